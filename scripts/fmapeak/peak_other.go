//go:build !amd64 || purego

package main

func kernels() []kernel { return nil }
