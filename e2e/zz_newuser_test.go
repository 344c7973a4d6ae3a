package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

func TestZZNewUser(t *testing.T) {
	srv := startServer(t)
	ctx := newBrowser(t)
	set := func(id, v string) {
		studioDo(t, ctx, chromedp.SetValue(chromedp.CSS(`[data-testid=`+id+`]`), v))
	}
	save := func() {
		studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=props-save]`)))
		studioWait(t, ctx, `!!document.querySelector('[data-testid=props-saved]')`)
	}
	studioDo(t, ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=project-name]`)))
	studioShot(t, ctx, "01-home")
	studioDo(t, ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=project-name]`), "Stream night"), chromedp.Click(chromedp.CSS(`[data-testid=create-project]`)))
	studioWaitNavigation(t, ctx, `!!document.querySelector('[data-testid=canvas]') && document.readyState === 'complete'`)
	studioShot(t, ctx, "02-editor")
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=add-button]`)))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=props-form]')`)
	studioShot(t, ctx, "03-button-added")
	set("prop-text", "Fire")
	set("prop-backgroundColor", "#aa2233")
	set("prop-textColor", "red")
	set("prop-borderColor", "#ffcc00")
	set("prop-cost", "50")
	set("prop-progress", "0.4")
	save()
	studioShot(t, ctx, "04-styled")
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=add-button]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=canvas] [data-testid=control]').length === 2 && document.querySelector('[data-testid=props-control-id]').textContent === 'button-2'`)
	set("prop-text", "Off")
	set("prop-disabled", "true")
	save()
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=add-label]`)))
	studioWait(t, ctx, `document.querySelectorAll('[data-testid=canvas] [data-testid=control]').length === 3 && document.querySelector('[data-testid=props-control-id]').textContent === 'label-1'`)
	studioShot(t, ctx, "05-label-added")
	set("prop-text", "Vote for the next map!")
	save()
	studioShot(t, ctx, "06-board")
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=grid-small]`)))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=canvas][data-grid=small]')`)
	studioShot(t, ctx, "07-small")
	studioDo(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=arrange-from-large]`)))
	studioWait(t, ctx, `!!document.querySelector('[data-testid=arrange-preview]')`)
	studioShot(t, ctx, "08-arrange-small")
}
