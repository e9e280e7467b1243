package browsertest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Watch records what a page did that our pages must never do: every
// request it made, and its console errors and warnings, exceptions,
// browser log errors and dialogs. Listen is its chromedp listener.
type Watch struct {
	mu       sync.Mutex
	requests []string
	problems []string
}

func (w *Watch) add(list *[]string, s string) {
	w.mu.Lock()
	*list = append(*list, s)
	w.mu.Unlock()
}

// Listen records one DevTools event (chromedp.Listen(tab, w.Listen)).
func (w *Watch) Listen(ev any) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		w.add(&w.requests, ev.Request.URL)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			w.add(&w.problems, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		desc := d.Text
		if d.Exception != nil {
			desc += " " + d.Exception.Description
		}
		w.add(&w.problems, fmt.Sprintf("exception at %d:%d: %.300s", d.LineNumber, d.ColumnNumber, desc))
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
			w.add(&w.problems, fmt.Sprintf("log %s/%s: %.300s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text))
		}
	case *cdppage.EventJavascriptDialogOpening:
		w.add(&w.problems, "dialog opened: "+ev.Message)
	}
}

// Snapshot returns copies of the requests and problems recorded so far.
func (w *Watch) Snapshot() (requests, problems []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.requests...), append([]string(nil), w.problems...)
}

// CSPViolations is the expression that returns the page's CSP
// violations as recorded by Instrument's watcher.
const CSPViolations = `window.__csp || ['csp watcher missing']`

// cspWatch runs before the page's own scripts (DevTools-injected scripts
// are exempt from the page's CSP) and records every violation.
const cspWatch = `window.__csp = []; document.addEventListener('securitypolicyviolation', function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber); });`

// Instrument turns on the DevTools domains a Watch listens to (network,
// runtime, log, page) and installs the CSP watcher; run it on a tab
// before navigating.
func Instrument() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, runtime.Enable, cdp.Empty{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, cdppage.Enable, cdppage.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch})
		return err
	})
}
