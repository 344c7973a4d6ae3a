package wire

import (
	"strconv"
	"unicode/utf8"
)

// Error and close codes from the specification's "Error Codes" table (1.7).
// Codes below 4000 are WebSocket close codes that may also appear in replies;
// 4005 is not assigned by the specification.
const (
	CodeInvalidPayload      = 1007 // RFC 6455: a text frame that is not UTF-8 (close)
	CodeInternal            = 1011 // unknown internal error (close or reply)
	CodeRestart             = 1012 // server restarting: clients should reconnect (close)
	CodeParse               = 4000 // payload is not JSON (reply id is 0)
	CodeDecompress          = 4001 // a compressed frame cannot be decompressed
	CodeUnknownPacketType   = 4002
	CodeUnknownMethod       = 4003
	CodeBadArguments        = 4004 // method arguments cannot be parsed
	CodeUnknownTransaction  = 4006
	CodeNotEnoughSparks     = 4007
	CodeUnknownGroup        = 4008
	CodeGroupExists         = 4009
	CodeUnknownScene        = 4010
	CodeSceneExists         = 4011
	CodeUnknownControl      = 4012
	CodeControlExists       = 4013
	CodeUnknownControlType  = 4014
	CodeUnknownParticipant  = 4015
	CodeSessionEnded        = 4016 // close, to participants
	CodeMemoryLimit         = 4017 // close, to a game client over its memory limit
	CodeDeleteDefault       = 4018
	CodeAuthFailed          = 4019 // initial connection
	CodeVersionNotFound     = 4020 // initial connection
	CodeAlreadyRunning      = 4021 // initial connection
	CodeChannelOffline      = 4022 // initial connection, participant socket only
	CodeNoBundle            = 4023 // initial connection
	CodeBadBroadcastScope   = 4024
	CodeAccessRevoked       = 4025 // close, participant lost access (e.g. banned)
	CodeAnonymousNeedSparks = 4026
	CodeTerminated          = 4027 // close, game client must not reconnect
	CodeBadInput            = 4099
)

// CodeMessage returns the specification's text for code (the default message
// of replies and close frames built from a bare code), or "" for a code the
// table does not hold.
func CodeMessage(code int) string {
	switch code {
	case CodeInternal:
		return "An unknown internal error occurred."
	case CodeRestart:
		return "Interactive is restarting; please reconnect."
	case CodeParse:
		return "Error parsing payload as JSON."
	case CodeDecompress:
		return "Error decompressing a compressed frame."
	case CodeUnknownPacketType:
		return "Unknown packet type."
	case CodeUnknownMethod:
		return "Unknown method name."
	case CodeBadArguments:
		return "Error parsing method arguments."
	case CodeUnknownTransaction:
		return "Unknown or expired transaction ID."
	case CodeNotEnoughSparks:
		return "The user doesn't have enough sparks."
	case CodeUnknownGroup:
		return "Unknown group ID specified."
	case CodeGroupExists:
		return "The specified group already exists."
	case CodeUnknownScene:
		return "Unknown scene ID specified."
	case CodeSceneExists:
		return "The specified scene already exists."
	case CodeUnknownControl:
		return "Unknown control ID specified."
	case CodeControlExists:
		return "The specified control already exists."
	case CodeUnknownControlType:
		return "Unknown control type."
	case CodeUnknownParticipant:
		return "Unknown participant ID specified."
	case CodeSessionEnded:
		return "The interactive session has ended."
	case CodeMemoryLimit:
		return "The game client exceeded its memory usage limit."
	case CodeDeleteDefault:
		return "You cannot delete a default resource."
	case CodeAuthFailed:
		return "Authentication failed."
	case CodeVersionNotFound:
		return "The interactive version is not found, or you do not have access to it."
	case CodeAlreadyRunning:
		return "A different interactive session is already running for the channel."
	case CodeChannelOffline:
		return "The channel is not online."
	case CodeNoBundle:
		return "No interactive bundle found for this control version, it may have been unpublished."
	case CodeBadBroadcastScope:
		return "Invalid broadcast scope provided."
	case CodeAccessRevoked:
		return "You can no longer access this interactive session."
	case CodeAnonymousNeedSparks:
		return "Anonymous users cannot use controls that cost sparks."
	case CodeTerminated:
		return "The game client was terminated and should not reconnect."
	case CodeBadInput:
		return "Bad user input."
	}
	return ""
}

// IsCloseCode reports whether the specification sends code in a WebSocket
// close frame (the session cannot go on) rather than in a reply: the restart
// and internal-error codes, the end-of-session and memory codes, the initial
// connection failures, revoked access and termination.
func IsCloseCode(code int) bool {
	switch code {
	case CodeInternal, CodeRestart, CodeSessionEnded, CodeMemoryLimit,
		CodeAuthFailed, CodeVersionNotFound, CodeAlreadyRunning,
		CodeChannelOffline, CodeNoBundle, CodeAccessRevoked, CodeTerminated:
		return true
	}
	return false
}

// Error is the error object of a reply packet, {code, message, path}. Path
// is the dot-notation path of the offending property and may be empty.
type Error struct {
	Code    int
	Message string
	Path    string
}

// NewError builds an Error with the table's message for code when message
// is empty.
func NewError(code int, message, path string) *Error {
	if message == "" {
		message = CodeMessage(code)
	}
	return &Error{Code: code, Message: message, Path: path}
}

func (e *Error) Error() string {
	s := "wire: " + strconv.Itoa(e.Code) + " " + e.Message
	if e.Path != "" {
		s += " (path " + e.Path + ")"
	}
	return s
}

// maxCloseReason is what fits a close frame: 125 bytes of control payload
// minus the 2-byte code (RFC 6455 5.5).
const maxCloseReason = 123

// CloseReason returns the message to put in a close frame carrying e.Code:
// e.Message cut to 123 bytes on a UTF-8 boundary.
func (e *Error) CloseReason() string {
	s := e.Message
	if len(s) <= maxCloseReason {
		return s
	}
	s = s[:maxCloseReason]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// ParseError is the 4000 error for a frame that is not JSON (or not a JSON
// object or array of objects). Replies carrying it have id 0.
func ParseError(detail string) *Error {
	return withDetail(CodeParse, detail, "")
}

// DecompressError is the 4001 error of a frame that cannot be decompressed.
func DecompressError(detail string) *Error {
	return withDetail(CodeDecompress, detail, "")
}

// UnknownPacketType is the 4002 error for a packet whose type is neither
// "method" nor "reply".
func UnknownPacketType(t string) *Error {
	return &Error{Code: CodeUnknownPacketType, Message: "Unknown packet type " + strconv.Quote(t) + ".", Path: "type"}
}

// UnknownMethod is the 4003 error for a method the receiver does not implement.
func UnknownMethod(method string) *Error {
	return &Error{Code: CodeUnknownMethod, Message: "Unknown method name " + strconv.Quote(method) + ".", Path: "method"}
}

// BadArguments is the 4004 error for method params that cannot be used;
// path names the offending parameter in dot notation ("params" for the
// whole object).
func BadArguments(message, path string) *Error {
	return withDetail(CodeBadArguments, message, path)
}

func withDetail(code int, detail, path string) *Error {
	msg := CodeMessage(code)
	if detail != "" {
		msg = msg[:len(msg)-1] + ": " + detail
	}
	return &Error{Code: code, Message: msg, Path: path}
}
