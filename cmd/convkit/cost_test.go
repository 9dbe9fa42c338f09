package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// methodJSON is one element of "convkit cost layer --json", decoded with
// pointers so that a missing number is told apart from a zero.
type methodJSON struct {
	Method string   `json:"method"`
	Params *int64   `json:"params"`
	MACs   *int64   `json:"macs"`
	FLOPs  *int64   `json:"flops"`
	Ratio  *float64 `json:"ratio"`
	Output []int    `json:"output"`
	Error  string   `json:"error"`
}

// costJSON runs "convkit cost layer" with --json and the given flags and
// returns the methods by name.
func costJSON(t *testing.T, flags ...string) map[string]methodJSON {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"cost", "layer", "--json"}, flags...)...)
	if code != 0 || errOut != "" {
		t.Fatalf("%v: status %d, stderr %q", flags, code, errOut)
	}
	var ms []methodJSON
	if err := json.Unmarshal([]byte(out), &ms); err != nil {
		t.Fatalf("%v: output is not a JSON array: %v\n%s", flags, err, out)
	}
	byName := map[string]methodJSON{}
	for _, m := range ms {
		byName[m.Method] = m
	}
	if len(ms) != len(layerMethods) || len(byName) != len(ms) {
		t.Fatalf("%v: %d methods (%d distinct), want %d", flags, len(ms), len(byName), len(layerMethods))
	}
	return byName
}

// ok returns the named method, failing the test unless it has numbers.
func ok(t *testing.T, ms map[string]methodJSON, name string) methodJSON {
	t.Helper()
	m := ms[name]
	if m.Error != "" || m.Params == nil || m.MACs == nil || m.FLOPs == nil || m.Ratio == nil {
		t.Fatalf("%s: %+v, want numbers", name, m)
	}
	if *m.FLOPs != 2**m.MACs {
		t.Errorf("%s: FLOPs %d ≠ 2·MACs %d", name, *m.FLOPs, *m.MACs)
	}
	return m
}

// TestCostLayerAcceptance is MobileNets' Table 3 layer (arXiv 1704.04861):
// 3×3, 512 → 512, on 14×14.
func TestCostLayerAcceptance(t *testing.T) {
	ms := costJSON(t, "--in", "512", "--out", "512", "--kernel", "3", "--size", "14")
	for _, tc := range []struct {
		method       string
		params, macs int64
		ratio        float64
	}{
		{"standard", 2359296, 462422016, 1},                        // 512·512·9, ×196
		{"group", 1179648, 231211008, 0.5},                         // 2 groups halve both
		{"depthwise", 4608, 903168, 1.0 / 512},                     // 512·9, ×196
		{"pointwise", 262144, 51380224, 1.0 / 9},                   // 512·512, ×196
		{"depthwise-separable", 266752, 52283392, 1.0/512 + 1.0/9}, // MobileNets' 1/N + 1/D_K²
		{"channel-wise", 8, 8 * 512 * 196, 8.0 / (512 * 9)},        // d_c, d_c·C·H·W
		{"group-channel-wise", 16, 8 * 512 * 196, 8.0 / (512 * 9)},
		{"depthwise-separable-channel-wise", 4608 + 8, (4608 + 8*512) * 196, (9.0 + 8) / (512 * 9)},
	} {
		m := ok(t, ms, tc.method)
		if *m.Params != tc.params || *m.MACs != tc.macs {
			t.Errorf("%s: params %d MACs %d, want %d and %d", tc.method, *m.Params, *m.MACs, tc.params, tc.macs)
		}
		if d := *m.Ratio - tc.ratio; d > 1e-12 || d < -1e-12 {
			t.Errorf("%s: ratio %v, want %v", tc.method, *m.Ratio, tc.ratio)
		}
		if len(m.Output) != 4 || m.Output[1] != 512 || m.Output[2] != 14 {
			t.Errorf("%s: output %v", tc.method, m.Output)
		}
	}
}

func TestCostLayerText(t *testing.T) {
	code, out, errOut := runCLI(t, "cost", "layer", "--in", "512", "--out", "512", "--kernel", "3", "--size", "14")
	if code != 0 || errOut != "" {
		t.Fatalf("status %d, stderr %q", code, errOut)
	}
	lines := strings.Split(out, "\n")
	header := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "METHOD ") {
			header = i
		}
	}
	if header < 0 {
		t.Fatalf("no table header:\n%s", out)
	}
	// The header and one row per method, with the numbers of each column
	// ending at the same position as the column's header (right-aligned).
	wantRows := map[string][]string{
		"standard":            {"2,359,296", "462,422,016", "924,844,032", "1"},
		"depthwise-separable": {"266,752", "52,283,392", "104,566,784", "0.1131"},
	}
	macsEnd := strings.Index(lines[header], "MACS") + len("MACS")
	for _, l := range lines[header+1 : header+1+len(layerMethods)] {
		f := strings.Fields(l)
		if want, ok := wantRows[f[0]]; ok {
			if strings.Join(f[1:5], " ") != strings.Join(want, " ") {
				t.Errorf("row %q, want numbers %v", l, want)
			}
			if end := strings.Index(l, want[1]) + len(want[1]); end != macsEnd {
				t.Errorf("MACs of %s end at column %d, the header at %d:\n%s", f[0], end, macsEnd, out)
			}
			delete(wantRows, f[0])
		}
	}
	if len(wantRows) != 0 {
		t.Errorf("rows missing: %v\n%s", wantRows, out)
	}
	for _, want := range []string{"[1 512 14 14]", "FLOPs = 2·MACs", "no bias, BN, activation", "params exclude bias", "relative to standard"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestCostLayerConstraints checks that methods whose constraints the flags
// do not meet carry a reason and no numbers, while the others are costed.
func TestCostLayerConstraints(t *testing.T) {
	// 512 → 256 at stride 2 with 3 groups: group needs 3 | 512, depthwise
	// needs 256 a multiple of 512, channel-wise gives ⌈512/2⌉ = 256 (fine),
	// group channel-wise has no stride, DWS channel-wise needs out = in.
	ms := costJSON(t, "--in", "512", "--out", "256", "--kernel", "3", "--size", "14", "--stride", "2", "--groups", "3")
	for method, reason := range map[string]string{
		"group":                            "must divide",
		"depthwise":                        "multiple of in",
		"group-channel-wise":               "--stride 1",
		"depthwise-separable-channel-wise": "must equal in",
	} {
		m := ms[method]
		if !strings.Contains(m.Error, reason) || m.Params != nil || m.MACs != nil || m.FLOPs != nil || m.Ratio != nil {
			t.Errorf("%s: %+v, want only an error containing %q", method, m, reason)
		}
	}
	std := ok(t, ms, "standard")
	if *std.MACs != 256*7*7*512*9 {
		t.Errorf("standard stride 2: MACs %d", *std.MACs)
	}
	// The channel stride keeps the map: 256 outputs at 14×14, d_c = 8.
	cw := ok(t, ms, "channel-wise")
	if *cw.Params != 8 || *cw.MACs != 8*256*14*14 {
		t.Errorf("channel-wise stride 2: %+v", cw)
	}
	// Depthwise with a multiplier: 16 → 32 is multiplier 2, 32 filters of 3×3.
	ms = costJSON(t, "--in", "16", "--out", "32", "--kernel", "3", "--size", "8", "--batch", "2")
	if dw := ok(t, ms, "depthwise"); *dw.Params != 32*9 || *dw.MACs != 2*32*64*9 {
		t.Errorf("depth multiplier 2: %+v", dw)
	}
	if cw := ms["channel-wise"]; !strings.Contains(cw.Error, "16 output channels") {
		t.Errorf("channel-wise 16 → 32: %+v", cw)
	}
	// A standard conv that does not fit leaves every ratio out: a 4×4
	// kernel with padding 1 on a 1×1 map.
	ms = costJSON(t, "--in", "4", "--out", "4", "--kernel", "4", "--size", "1")
	if ms["standard"].Error == "" {
		t.Fatalf("standard 4×4 on 1×1: %+v", ms["standard"])
	}
	if pw := ms["pointwise"]; pw.MACs == nil || *pw.MACs != 16 || pw.Ratio != nil {
		t.Errorf("pointwise without a standard to compare with: %+v", pw)
	}
	code, out, _ := runCLI(t, "cost", "layer", "--in", "4", "--out", "4", "--kernel", "4", "--size", "1")
	if code != 0 || !strings.Contains(out, "n/a: ") {
		t.Errorf("text with unmet constraints: status %d\n%s", code, out)
	}
}

func TestCostLayerBadFlags(t *testing.T) {
	base := []string{"cost", "layer", "--in", "8", "--out", "8", "--kernel", "3", "--size", "7"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append(base, "--in", "0"), "--in must be a positive integer, have 0"},
		{append(base, "--out", "-4"), "--out must be a positive integer, have -4"},
		{append(base, "--kernel", "0"), "--kernel must be"},
		{append(base, "--size", "-1"), "--size must be"},
		{append(base, "--stride", "0"), "--stride must be"},
		{append(base, "--groups", "-2"), "--groups must be"},
		{append(base, "--dc", "0"), "--dc must be"},
		{append(base, "--batch", "0"), "--batch must be"},
		{append(base, "--kernel", "3000000000"), "exceeds the limit"},
		{append(base, "--batch", "16000000", "--size", "16000"), "input too large"},
		{append(base, "--in", "eight"), `invalid argument "eight"`},
		{append(base, "--stride", "99999999999999999999"), "out of range"},
		{append(base, "--bogus"), "unknown flag: --bogus"},
		{append(base, "extra"), `unknown command "extra"`},
		{[]string{"cost", "layer", "--in", "8"}, `required flag(s) "kernel", "out", "size" not set`},
		{[]string{"cost", "layr"}, `unknown command "layr"`},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		if code == 0 || out != "" || !strings.Contains(errOut, tc.want) || !strings.HasPrefix(errOut, "convkit: ") {
			t.Errorf("%q: status %d, stdout %q, stderr %q; want a failure mentioning %q", tc.args[2:], code, out, errOut, tc.want)
		}
	}
}

func TestCostHelp(t *testing.T) {
	for _, args := range [][]string{{"cost"}, {"cost", "--help"}, {"help", "cost"}} {
		code, out, _ := runCLI(t, args...)
		if code != 0 || !strings.Contains(out, "layer") {
			t.Errorf("%q: status %d:\n%s", args, code, out)
		}
	}
	_, out, _ := runCLI(t, "cost", "layer", "--help")
	for _, m := range layerMethods {
		if !strings.Contains(out, "  "+m.name+" ") {
			t.Errorf("cost layer --help does not describe %s", m.name)
		}
	}
}
