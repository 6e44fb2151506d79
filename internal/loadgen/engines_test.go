package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// engines runs f with each of Closed's engines on plain http: the event
// loop (where this system has it) and a goroutine per connection.
func engines(t *testing.T, f func(t *testing.T)) {
	for _, loop := range []bool{true, false} {
		name := "engine=goroutine"
		if loop {
			name = "engine=loop"
		}
		t.Run(name, func(t *testing.T) {
			if loop && !loopAvailable {
				t.Skip("no event loop on this system")
			}
			old := useLoop
			useLoop = loop
			t.Cleanup(func() { useLoop = old })
			f(t)
		})
	}
}

// hang, as an answer's piece, makes rawServer wait for the client to go.
const hang = "\x00hang"

// rawServer serves each request read on a connection (up to its blank
// line) with answer's bytes, written in the pieces given; keep false closes
// the connection after each answer. It counts connections.
func rawServer(t *testing.T, keep bool, answer func() []string) (url string, conns func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu sync.Mutex
		n  int
		wg sync.WaitGroup
		cs []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range cs {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			n++
			cs = append(cs, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					for { // the request, to its blank line
						line, err := br.ReadString('\n')
						if err != nil {
							return
						}
						if line == "\r\n" {
							break
						}
					}
					for _, p := range answer() {
						if p == hang {
							io.Copy(io.Discard, c) // until the client goes
							return
						}
						if p == "" { // a pause between pieces
							time.Sleep(2 * time.Millisecond)
							continue
						}
						if _, err := io.WriteString(c, p); err != nil {
							return
						}
					}
					if !keep {
						return
					}
				}
			})
		}
	})
	return "http://" + ln.Addr().String() + "/", func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// TestClosedOddAnswers runs both engines on answers that arrive in pieces,
// that are long, cut short, malformed, late or refused, and checks that
// they count them alike, by ab's categories.
func TestClosedOddAnswers(t *testing.T) {
	longHead := "HTTP/1.0 200 OK\r\n" + strings.Repeat("X-Filler: "+strings.Repeat("f", 60)+"\r\n", 200) + "Content-Length: 2\r\n\r\nok"
	cases := []struct {
		name      string
		keep, ka  bool // server keeps connections; client asks for keep-alive
		answer    []string
		timeout   time.Duration
		n         int
		want      Failures
		non2xx    int64
		bodyLen   int64 // of each good answer
		conns     int   // connections the server saw (0: not checked)
		errSubstr string
	}{
		{name: "in pieces", answer: []string{"HTTP/1.0 2", "", "00 OK\r\nContent-Le", "", "ngth: 5\r", "", "\n\r\nhel", "", "lo"}, n: 6, bodyLen: 5},
		{name: "head over 4 KiB", answer: []string{longHead}, n: 6, bodyLen: 2},
		{name: "to close", answer: []string{"HTTP/1.0 200 OK\r\n\r\n", strings.Repeat("b", 100000)}, n: 6, bodyLen: 100000},
		{name: "keep-alive", keep: true, ka: true, answer: []string{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"}, n: 12, bodyLen: 3, conns: 4},
		{name: "keep-alive asked, server closes", ka: true, answer: []string{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc"}, n: 12, bodyLen: 3, conns: 12},
		{name: "not found", answer: []string{"HTTP/1.0 404 Not Found\r\nContent-Length: 1\r\n\r\nx"}, n: 6, non2xx: 6, errSubstr: "status 404"},
		{name: "line too long", answer: []string{"HTTP/1.0 200 OK\r\nX-Long: " + strings.Repeat("l", 5000) + "\r\n\r\n"}, n: 6, want: Failures{Receive: 6}, errSubstr: "line longer than 4096 bytes"},
		{name: "bad status line", answer: []string{"HTTP/9 nonsense\r\n\r\n"}, n: 6, want: Failures{Exceptions: 6}, errSubstr: "bad status line"},
		{name: "bad header", answer: []string{"HTTP/1.0 200 OK\r\nno colon here\r\n\r\n"}, n: 6, want: Failures{Exceptions: 6}, errSubstr: "bad header line"},
		{name: "body cut short", answer: []string{"HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nhalf"}, n: 6, want: Failures{Receive: 6}, errSubstr: "read body (4 of 10 bytes)"},
		{name: "no answer", answer: []string{}, n: 6, want: Failures{Receive: 6}, errSubstr: "EOF"},
		{name: "late", answer: []string{hang}, timeout: 150 * time.Millisecond, n: 4, want: Failures{Receive: 4}, errSubstr: "timeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			engines(t, func(t *testing.T) {
				u, conns := rawServer(t, c.keep, func() []string { return c.answer })
				cl := Closed{Target: target(t, u, nil), N: c.n, C: 3, KeepAlive: c.ka, Timeout: c.timeout}
				t0 := time.Now()
				res, err := cl.Run(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if c.timeout > 0 && time.Since(t0) > 20*c.timeout {
					t.Errorf("run took %v with a %v timeout", time.Since(t0), c.timeout)
				}
				if res.Done != int64(c.n) || res.Failed != c.want || res.Non2xx != c.non2xx {
					t.Fatalf("Done %d Failed %+v Non2xx %d (first error %v), want %d %+v %d", res.Done, res.Failed, res.Non2xx, res.FirstError, c.n, c.want, c.non2xx)
				}
				if c.errSubstr != "" && (res.FirstError == nil || !strings.Contains(res.FirstError.Error(), c.errSubstr)) {
					t.Errorf("first error %v, want one saying %q", res.FirstError, c.errSubstr)
				}
				good := int64(c.n) - c.want.Total()
				if res.Total.Count() != good {
					t.Errorf("%d latency samples, want %d", res.Total.Count(), good)
				}
				if c.want.Total() == 0 && c.non2xx == 0 {
					perAnswer := int64(len(strings.Join(c.answer, "")))
					if res.BytesRead != int64(c.n)*perAnswer {
						t.Errorf("BytesRead %d, want %d x %d", res.BytesRead, c.n, perAnswer)
					}
				}
				if c.conns > 0 && conns() != c.conns {
					t.Errorf("server saw %d connections, want %d", conns(), c.conns)
				}
			})
		})
	}
}

// TestClosedOpensC checks ab's start: with keep-alive, the first request
// alone and then C connections, each with at least one request, even when
// N leaves one request for each and some workers or loops are scheduled
// late (GOMAXPROCS 8 gives the event-loop engine several loops). Before
// the first requests were reserved, a late worker or loop found nothing
// left and fewer connections opened (under two CPU hogs: 1 run in 50 of
// the goroutine engine, 1 in 10 of the loops at GOMAXPROCS 8).
func TestClosedOpensC(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	engines(t, func(t *testing.T) {
		for range 40 {
			u, conns := rawServer(t, true, func() []string { return []string{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"} })
			const c = 6
			res, err := Closed{Target: target(t, u, nil), N: c + 1, C: c, KeepAlive: true}.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.Done != c+1 || res.Failed.Total() != 0 {
				t.Fatalf("Done %d Failed %+v (first error %v), want %d good", res.Done, res.Failed, res.FirstError, c+1)
			}
			if conns() != c+1 {
				t.Fatalf("server saw %d connections, want %d (the first request's and C=%d)", conns(), c+1, c)
			}
		}
	})
}

// TestClosedRefused counts every request to a port nothing listens on as a
// connect failure naming the URL, on both engines.
func TestClosedRefused(t *testing.T) {
	engines(t, func(t *testing.T) {
		u := "http://" + freePort(t) + "/"
		res, err := Closed{Target: target(t, u, nil), N: 20, C: 4}.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Done != 20 || res.Failed.Connect != 20 || res.Total.Count() != 0 {
			t.Fatalf("Done %d Failed %+v samples %d, want 20 connect failures", res.Done, res.Failed, res.Total.Count())
		}
		if res.FirstError == nil || !strings.Contains(res.FirstError.Error(), "connect to "+u) || !strings.Contains(res.FirstError.Error(), "refused") {
			t.Errorf("first error %v, want a refused connect naming %s", res.FirstError, u)
		}
	})
}

// TestClosedStopsMidAnswer ends a run whose requests hang when ctx is
// done: the run returns promptly, the answered requests counted and the
// hung ones not.
func TestClosedStopsMidAnswer(t *testing.T) {
	engines(t, func(t *testing.T) {
		var mu sync.Mutex
		served := 0
		u, _ := rawServer(t, false, func() []string {
			mu.Lock()
			defer mu.Unlock()
			served++
			if served > 5 {
				return []string{hang}
			}
			return []string{"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"}
		})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		t0 := time.Now()
		res, err := Closed{Target: target(t, u, nil), N: 100, C: 3}.Run(ctx)
		if err != context.Canceled {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(t0); d > 2*time.Second {
			t.Errorf("run took %v after a cancel at 300ms", d)
		}
		if res.Done != 5 || res.Errors() != 0 {
			t.Errorf("Done %d errors %d (%v), want the 5 answered, no failure", res.Done, res.Errors(), fmt.Sprint(res.FirstError))
		}
	})
}
