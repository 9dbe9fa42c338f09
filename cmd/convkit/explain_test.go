package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// explainMethod is one element of "convkit explain --json".
type explainMethod struct {
	Method string `json:"method"`
	Stages []struct {
		Op        string `json:"op"`
		Input     []int  `json:"input"`
		Output    []int  `json:"output"`
		Algorithm string `json:"algorithm"`
		Reason    string `json:"reason"`
	} `json:"stages"`
	Error string `json:"error"`
}

func explainJSONOut(t *testing.T, flags ...string) []explainMethod {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"explain", "--json"}, flags...)...)
	if code != 0 || errOut != "" {
		t.Fatalf("%v: status %d, stderr %q", flags, code, errOut)
	}
	var ms []explainMethod
	if err := json.Unmarshal([]byte(out), &ms); err != nil {
		t.Fatalf("%v: output is not a JSON array: %v\n%s", flags, err, out)
	}
	if len(ms) != len(layerMethods) {
		t.Fatalf("%v: %d methods, want %d", flags, len(ms), len(layerMethods))
	}
	return ms
}

// TestExplainAcceptance plans MobileNets' Table 3 layer (3×3, 512 → 512,
// 14×14) every way: each method has a plan per stage with a named
// algorithm and a reason, and the composed methods have one stage per
// operator. The algorithm names themselves belong to package conv and
// change as kernels are added, so they are not pinned here.
func TestExplainAcceptance(t *testing.T) {
	ms := explainJSONOut(t, "--in", "512", "--out", "512", "--kernel", "3", "--size", "14", "--threads", "2")
	act := []int{1, 512, 14, 14}
	for i, m := range ms {
		if m.Method != layerMethods[i].name {
			t.Errorf("method %d is %q, want %q", i, m.Method, layerMethods[i].name)
		}
		if m.Error != "" || len(m.Stages) == 0 {
			t.Errorf("%s: error %q, %d stages", m.Method, m.Error, len(m.Stages))
			continue
		}
		for j, s := range m.Stages {
			if s.Algorithm == "" || s.Reason == "" || s.Op == "" {
				t.Errorf("%s stage %d: %+v, want an operator, algorithm and reason", m.Method, j+1, s)
			}
			if !slices.Equal(s.Input, act) || !slices.Equal(s.Output, act) {
				t.Errorf("%s stage %d: %v → %v, want %v → %v", m.Method, j+1, s.Input, s.Output, act, act)
			}
		}
	}
	byName := map[string]explainMethod{}
	for _, m := range ms {
		byName[m.Method] = m
	}
	if st := byName["depthwise-separable"].Stages; len(st) != 2 ||
		st[0].Op != "Conv2d(512, 512, k=3, padding=1, groups=512)" || st[1].Op != "Conv2d(512, 512, k=1)" {
		t.Errorf("depthwise-separable stages: %+v, want depthwise then pointwise", st)
	}
	if st := byName["standard"].Stages; len(st) != 1 || st[0].Op != "Conv2d(512, 512, k=3, padding=1)" {
		t.Errorf("standard stages: %+v", st)
	}
	// DWSChannelWise runs as its depthwise and channel-wise stages unless
	// package conv plans it whole.
	switch st := byName["depthwise-separable-channel-wise"].Stages; len(st) {
	case 1:
		if !strings.HasPrefix(st[0].Op, "DWSChannelWise(") {
			t.Errorf("depthwise-separable-channel-wise: %+v", st)
		}
	case 2:
		if !strings.Contains(st[0].Op, "groups=512") || !strings.HasPrefix(st[1].Op, "ChannelWise(512, d_c=8") {
			t.Errorf("depthwise-separable-channel-wise stages: %+v", st)
		}
	default:
		t.Errorf("depthwise-separable-channel-wise: %d stages", len(st))
	}
}

func TestExplainText(t *testing.T) {
	code, out, errOut := runCLI(t, "explain", "--in", "512", "--out", "512", "--kernel", "3", "--size", "14", "--threads", "1")
	if code != 0 || errOut != "" {
		t.Fatalf("status %d, stderr %q", code, errOut)
	}
	if !strings.HasPrefix(out, "Plans for one layer on input [1 512 14 14]: 512 → 512 channels, 3×3 kernel, stride 1 (--groups 2, --dc 8), 1 thread\n") {
		t.Errorf("header:\n%s", out)
	}
	for _, m := range layerMethods {
		if !strings.Contains(out, "\n"+m.name+" ") {
			t.Errorf("no row for %s:\n%s", m.name, out)
		}
	}
	for _, col := range []string{"STAGE", "OPERATOR", "ALGORITHM", "REASON", " 1/2 ", " 2/2 "} {
		if !strings.Contains(out, col) {
			t.Errorf("output lacks %q:\n%s", col, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing space: %q", l)
		}
	}
}

// TestExplainNotApplicable checks that a method the arguments do not allow
// is listed with the reason from "convkit cost layer".
func TestExplainNotApplicable(t *testing.T) {
	ms := explainJSONOut(t, "--in", "6", "--out", "9", "--kernel", "3", "--size", "5", "--groups", "4")
	errs := map[string]string{}
	for _, m := range ms {
		errs[m.Method] = m.Error
		if (m.Error == "") == (len(m.Stages) == 0) {
			t.Errorf("%s: error %q with %d stages, want exactly one of them", m.Method, m.Error, len(m.Stages))
		}
	}
	if errs["standard"] != "" || errs["pointwise"] != "" {
		t.Errorf("standard or pointwise failed: %v", errs)
	}
	if !strings.Contains(errs["group"], "--groups 4 must divide both in (6) and out (9)") {
		t.Errorf("group: %q", errs["group"])
	}
	if strings.Contains(errs["group-channel-wise"], "conv: ") {
		t.Errorf("group-channel-wise keeps the package prefix: %q", errs["group-channel-wise"])
	}
	code, out, _ := runCLI(t, "explain", "--in", "6", "--out", "9", "--kernel", "3", "--size", "5", "--groups", "4")
	if code != 0 || !strings.Contains(out, "n/a") {
		t.Errorf("text: status %d\n%s", code, out)
	}
}

func TestExplainFlagErrors(t *testing.T) {
	layer := []string{"--in", "8", "--out", "8", "--kernel", "3", "--size", "5"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append(layer, "--threads", "-1"), "--threads must be in 0..1024 (0 = GOMAXPROCS), have -1"},
		{append(layer, "--threads", "x"), `invalid argument "x" for "--threads"`},
		{append(layer, "--batch", "0"), "--batch must be a positive integer, have 0"},
		{[]string{"--in", "8", "--out", "8", "--kernel", "3"}, `required flag(s) "size" not set`},
		{[]string{"--in", "0", "--out", "8", "--kernel", "3", "--size", "5"}, "--in must be a positive integer, have 0"},
		{append(layer, "extra"), `unknown command "extra" for "convkit explain"`},
	} {
		code, out, errOut := runCLI(t, append([]string{"explain"}, tc.args...)...)
		if code != 1 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want status 1 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

// TestExplainConstantWeights: --constant-weights plans for inference, which
// changes the reason of a pointwise layer whose forward then vectorises over
// output channels (1024 → 1024 on 7×7), and only with the flag.
func TestExplainConstantWeights(t *testing.T) {
	const cv = "vectorises over output channels"
	flags := []string{"--in", "1024", "--out", "1024", "--kernel", "1", "--size", "7", "--batch", "8", "--threads", "1"}
	for _, constW := range []bool{false, true} {
		f := flags
		if constW {
			f = append(slices.Clone(flags), "--constant-weights")
		}
		ms := explainJSONOut(t, f...)
		i := slices.IndexFunc(ms, func(m explainMethod) bool { return m.Method == "standard" })
		if i < 0 || len(ms[i].Stages) != 1 {
			t.Fatalf("constant weights %v: no single-stage standard method: %+v", constW, ms)
		}
		st := ms[i].Stages[0]
		if st.Algorithm != "pointwise-gemm" || strings.Contains(st.Reason, cv) != constW {
			t.Errorf("constant weights %v: %s: %s", constW, st.Algorithm, st.Reason)
		}
	}
}
