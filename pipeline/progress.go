package pipeline

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
)

func (r *runner) logf(format string, args ...any) {
	if r.opts.Progress == nil {
		return
	}
	fmt.Fprintf(r.opts.Progress, "grist: "+format+"\n", args...)
}

// startProgress shows progress until the returned stop is called: a bar with
// docs/s and MB/s on a terminal, a log line every 10 s otherwise.
func (r *runner) startProgress() (stop func()) {
	if r.opts.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	line := func() string {
		secs := time.Since(start).Seconds()
		docs, bytes := r.readDocs.Load(), r.readBytes.Load()
		return fmt.Sprintf("%d docs, %.0f docs/s, %.1f MB/s", docs, float64(docs)/secs, float64(bytes)/1e6/secs)
	}
	if r.opts.Terminal {
		bar := progressbar.NewOptions64(r.inputBytes,
			progressbar.OptionSetWriter(r.opts.Progress),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetDescription("reading"),
		)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-done:
					bar.Finish()
					return
				case <-tick.C:
					bar.Describe(line())
					_ = bar.Set64(min(atomic.LoadInt64(&r.progressN), r.inputBytes))
				}
			}
		}()
	} else {
		go func() {
			defer wg.Done()
			tick := time.NewTicker(10 * time.Second)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
					pct := 0.0
					if r.inputBytes > 0 {
						pct = 100 * float64(atomic.LoadInt64(&r.progressN)) / float64(r.inputBytes)
					}
					r.logf("%.0f%% of input: %s", pct, line())
				}
			}
		}()
	}
	return func() {
		close(done)
		wg.Wait()
	}
}
