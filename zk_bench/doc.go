// Package zk_bench measures zkTLS-style proving with gnark (section IV of the
// reference report): SHA-256 and RSA-2048 signature verification circuits,
// Groth16 and PLONK on BN254.
package zk_bench
