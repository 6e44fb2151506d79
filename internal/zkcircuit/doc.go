// Package zkcircuit holds the gnark circuits that zk_bench proves: the
// SHA-256 of a message, and the verification of an RSA-2048 PKCS#1 v1.5
// signature over the SHA-256 of a TLS-handshake-like transcript (the
// "2048-bit verification" of the reference report's zkTLS section).
//
// Each circuit comes with a constructor that returns the circuit's shape (the
// value handed to frontend.Compile) and a full assignment for real data, so
// that callers never build witnesses by hand. Keys and signatures are real:
// they come from crypto/rsa, and the transcript's ECDHE share from
// crypto/ecdh.
//
// zk_bench compiles, sets up and proves these circuits; this package's tests
// check them with gnark's test engine (test.IsSolved), which runs the
// constraints without any setup, so they stay fast.
package zkcircuit
