package net_bench

import (
	"fmt"

	"github.com/teebench/teebench/internal/gateway"
)

// The case types below are the sub-benchmarks of this package: each one's
// name() is its full name under the benchmark, the one place a name is
// spelled, so result files of every version compare.

// gatewayCase is one sub-benchmark of BenchmarkGateway.
type gatewayCase struct {
	path      string // direct or tls-proxy
	keepAlive bool
	c         int // concurrent connections
	client    client
}

func (k gatewayCase) name() string {
	return fmt.Sprintf("path=%s/keepalive=%s/c=%d/client=%s", k.path, onOff(k.keepAlive), k.c, k.client.name())
}

// multiCase is one sub-benchmark of BenchmarkGatewayMulti.
type multiCase struct {
	path    string
	clients int // K processes (or loops) of c connections each
	c       int
	client  multiClient
}

func (k multiCase) name() string {
	return fmt.Sprintf("path=%s/clients=%d/c=%d/client=%s", k.path, k.clients, k.c, k.client.name())
}

// rateCase is one sub-benchmark of BenchmarkGatewayRate.
type rateCase struct {
	path string
	rate float64 // requests per second
}

func (k rateCase) name() string { return fmt.Sprintf("path=%s/rate=%g", k.path, k.rate) }

// handshakeCase is one sub-benchmark of BenchmarkTLSHandshake.
type handshakeCase struct {
	kex    kex
	cert   gateway.CertKind
	resume bool
}

func (k handshakeCase) name() string {
	return fmt.Sprintf("kex=%s/cert=%s/resume=%s", k.kex.name, k.cert, onOff(k.resume))
}

func onOff(v bool) string {
	if v {
		return "on"
	}
	return "off"
}
