package service

import "time"

// Sweep calls expire with the time every interval until done is closed:
// the loop of the services that delete what AWS expires on its own (SQS
// messages past their queue's retention, log events past their group's).
// A failed sweep is reported through warn, with how much it deleted first,
// and tried again at the next tick.
func Sweep(done <-chan struct{}, every time.Duration, now func() time.Time, expire func(time.Time) (int, error), warn func(deleted int, err error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if n, err := expire(now()); err != nil {
				warn(n, err)
			}
		}
	}
}
