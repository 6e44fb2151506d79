//go:build gpu

package main

import "github.com/teebench/teebench/internal/attest"

func init() { gpuCollector = attest.CollectGPUEvidence }
