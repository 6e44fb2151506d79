package attest

import "github.com/teebench/teebench/internal/tee"

// The TDX quote, its Intel root, Intel's collateral and the policy file
// moved to internal/tee (tdx_*.go, policy.go). The verifier here (binding
// list, manifest cross-check, dstack event log, the commands' output) uses
// them through these names.
type (
	// Info is what the suite records from a TDX quote (tee.TDXInfo).
	Info = tee.TDXInfo
	// Policy is a parsed policy file (tee.Policy).
	Policy = tee.Policy
	// TDXPolicy is a policy's tdx section (tee.TDXPolicy).
	TDXPolicy = tee.TDXPolicy
	// DstackPolicy pins a dstack app (tee.DstackPolicy).
	DstackPolicy = tee.DstackPolicy
	// TCBResult is a TCB status from Intel's collateral (tee.TCBResult).
	TCBResult = tee.TCBResult
	// Collateral is Intel's collateral for one quote (tee.Collateral).
	Collateral = tee.Collateral
	// CollateralResponse is one saved PCS response.
	CollateralResponse = tee.CollateralResponse
	// measured is what a replayed dstack event log measured.
	measured = tee.DstackMeasured
	// Dstack is the dstack guest agent's evidence beside a result file.
	Dstack = tee.Dstack
	// Event is one event of dstack's event log.
	Event = tee.Event
)

// Names from internal/tee.
var (
	Parse           = tee.ParseTDXQuote
	GetRawQuote     = tee.GetTDXQuote
	IntelRoots      = tee.IntelRoots
	LoadRoots       = tee.LoadRoots
	LoadPolicy      = tee.LoadPolicy
	ParsePolicy     = tee.ParsePolicy
	FetchCollateral = tee.FetchCollateral
	LoadCollateral  = tee.LoadCollateral
	CollateralPath  = tee.CollateralPath
	ErrPolicy       = tee.ErrPolicy
	ErrTCB          = tee.ErrTCB
	ErrNoTDX        = tee.ErrNoTDX
	TCBStatuses     = tee.TCBStatuses
	WriteNew        = tee.WriteNew
	ParseEventLog   = tee.ParseEventLog
	Replay          = tee.Replay
	ErrEventLog     = tee.ErrEventLog
	ErrSimulated    = tee.ErrSimulated
)

// Constants from internal/tee.
const (
	PolicyVersion  = tee.PolicyVersion
	IntelRootLabel = tee.IntelRootLabel
)
