package mediator

import "github.com/mixstudio/mixstudio/live/wire"

// Close and error codes from the spec's Error Codes table (authoritative
// over the numbers in the method examples).
const (
	codeInternal          = wire.CodeInternal
	codeRestart           = wire.CodeRestart
	codeBadJSON           = wire.CodeParse
	codeBadCompression    = wire.CodeDecompress
	codeUnknownPacketType = wire.CodeUnknownPacketType
	codeUnknownMethod     = wire.CodeUnknownMethod
	codeBadArguments      = wire.CodeBadArguments
	codeUnknownTx         = wire.CodeUnknownTransaction
	codeNotEnoughSparks   = wire.CodeNotEnoughSparks
	codeUnknownGroup      = wire.CodeUnknownGroup
	codeGroupExists       = wire.CodeGroupExists
	codeUnknownScene      = wire.CodeUnknownScene
	codeSceneExists       = wire.CodeSceneExists
	codeUnknownControl    = wire.CodeUnknownControl
	codeControlExists     = wire.CodeControlExists
	codeUnknownKind       = wire.CodeUnknownControlType
	codeSessionEnded      = wire.CodeSessionEnded
	codeMemoryLimit       = wire.CodeMemoryLimit
	codeDefaultResource   = wire.CodeDeleteDefault
	codeAuthFailed        = wire.CodeAuthFailed
	codeVersionNotFound   = wire.CodeVersionNotFound
	codeAlreadyRunning    = wire.CodeAlreadyRunning
	codeChannelOffline    = wire.CodeChannelOffline
	codeBadScope          = wire.CodeBadBroadcastScope
	codeAnonymousCost     = wire.CodeAnonymousNeedSparks
	codeAccessRevoked     = wire.CodeAccessRevoked
	codeBadInput          = wire.CodeBadInput
)
