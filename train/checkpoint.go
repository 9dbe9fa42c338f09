package train

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/safetensors"
	"github.com/convkit/convkit/tensor"
)

// File names inside a run directory.
const (
	// LatestFile is the full checkpoint of the most recent save: model,
	// optimizer and training state. Resuming starts from it.
	LatestFile = "latest.safetensors"
	// BestFile holds the model weights of the epoch with the best test
	// accuracy (model only, loadable by PyTorch as it is).
	BestFile = "best.safetensors"
	// MetricsFile is the per-epoch metrics table.
	MetricsFile = "metrics.csv"
)

// Metadata keys of convkit checkpoints (safetensors "__metadata__"
// entries, JSON values).
const (
	MetaState  = "convkit.state"  // State
	MetaConfig = "convkit.config" // Config
	MetaData   = "convkit.data"   // DataInfo
	MetaSteps  = "convkit.optimizer_steps"
)

// OptimizerPrefix starts the names of optimizer state tensors in a
// checkpoint; every other tensor is the model's state dict.
const OptimizerPrefix = "optimizer."

// DataInfo describes the inputs a model was trained on, so that a model
// file alone suffices to predict: the image shape, the per-channel
// normalization and the class names.
type DataInfo struct {
	Channels int       `json:"channels"`
	Height   int       `json:"height"`
	Width    int       `json:"width"`
	Mean     []float32 `json:"mean"`
	Std      []float32 `json:"std"`
	Classes  []string  `json:"classes"`
}

// Checkpoint is the decoded content of a checkpoint or model file.
type Checkpoint struct {
	// Model is the model's state dict, PyTorch names.
	Model map[string]*tensor.Tensor
	// Optimizer holds the optimizer state without OptimizerPrefix; empty in
	// a model-only file.
	Optimizer map[string]*tensor.Tensor
	// Meta is the file's metadata.
	Meta map[string]string
	// State, Config and Data are decoded from Meta; nil when absent.
	State  *State
	Config *Config
	Data   *DataInfo
	// Steps is the optimizer's step count.
	Steps int
}

// LoadModel copies the checkpoint's weights into model (strictly: every
// name must match, see nn.LoadStateDict).
func (c *Checkpoint) LoadModel(model nn.Layer) error {
	if err := nn.LoadStateDict(model, c.Model); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// ReadCheckpoint reads a checkpoint (LatestFile) or a model file
// (BestFile, SaveModel). Tensors of dtype F32, F64, F16 and BF16 are
// converted to float32, integer tensors (num_batches_tracked) too.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	c := &Checkpoint{Model: map[string]*tensor.Tensor{}, Optimizer: map[string]*tensor.Tensor{}, Meta: f.Metadata}
	for _, name := range f.Names() {
		st, _ := f.Get(name)
		values, err := toFloat32(st)
		if err != nil {
			return nil, fmt.Errorf("train: %s: tensor %q: %w", path, name, err)
		}
		t, err := tensor.FromData(values, st.Shape...)
		if err != nil {
			return nil, fmt.Errorf("train: %s: tensor %q: %w", path, name, err)
		}
		if rest, ok := strings.CutPrefix(name, OptimizerPrefix); ok {
			c.Optimizer[rest] = t
		} else {
			c.Model[name] = t
		}
	}
	decode := func(key string, v any) (bool, error) {
		s, ok := c.Meta[key]
		if !ok {
			return false, nil
		}
		if err := json.Unmarshal([]byte(s), v); err != nil {
			return false, fmt.Errorf("train: %s: metadata %s: %w", path, key, err)
		}
		return true, nil
	}
	var st State
	if ok, err := decode(MetaState, &st); err != nil {
		return nil, err
	} else if ok {
		c.State = &st
	}
	var cfg Config
	if ok, err := decode(MetaConfig, &cfg); err != nil {
		return nil, err
	} else if ok {
		c.Config = &cfg
	}
	var di DataInfo
	if ok, err := decode(MetaData, &di); err != nil {
		return nil, err
	} else if ok {
		c.Data = &di
	}
	if _, err := decode(MetaSteps, &c.Steps); err != nil {
		return nil, err
	}
	return c, nil
}

// toFloat32 decodes a safetensors tensor as float32, integers included.
func toFloat32(t safetensors.Tensor) ([]float32, error) {
	n, err := t.NumElems()
	if err != nil {
		return nil, err
	}
	switch t.DType {
	case safetensors.I64:
		if len(t.Data) != 8*n {
			return nil, fmt.Errorf("I64 tensor of %d elements has %d bytes", n, len(t.Data))
		}
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(int64(binary.LittleEndian.Uint64(t.Data[8*i:])))
		}
		return out, nil
	case safetensors.I32:
		if len(t.Data) != 4*n {
			return nil, fmt.Errorf("I32 tensor of %d elements has %d bytes", n, len(t.Data))
		}
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(int32(binary.LittleEndian.Uint32(t.Data[4*i:])))
		}
		return out, nil
	}
	return t.Float32()
}

// modelTensors encodes a model's state dict for safetensors: F32, except
// BatchNorm's num_batches_tracked, which PyTorch keeps as int64.
func modelTensors(model nn.Layer) (map[string]safetensors.Tensor, error) {
	out := make(map[string]safetensors.Tensor)
	for _, p := range nn.NamedState(model) {
		if _, dup := out[p.Name]; dup {
			return nil, fmt.Errorf("train: two state entries are named %q", p.Name)
		}
		if strings.HasSuffix(p.Name, "num_batches_tracked") {
			data := make([]byte, 8*len(p.Value.Data))
			for i, v := range p.Value.Data {
				binary.LittleEndian.PutUint64(data[8*i:], uint64(int64(v)))
			}
			out[p.Name] = safetensors.Tensor{DType: safetensors.I64, Shape: slices.Clone(p.Value.Shape), Data: data}
			continue
		}
		out[p.Name] = safetensors.NewF32(p.Value.Shape, p.Value.Data)
	}
	return out, nil
}

// SaveModel writes model's state dict to path, atomically, with PyTorch's
// names and dtypes (float32; int64 num_batches_tracked) and metadata
// (which may be nil; "format": "pt" is added). PyTorch loads it with
// safetensors.torch.load_file and load_state_dict.
func SaveModel(path string, model nn.Layer, meta map[string]string) error {
	ts, err := modelTensors(model)
	if err != nil {
		return err
	}
	if err := safetensors.WriteFile(path, ts, withFormat(meta)); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

func withFormat(meta map[string]string) map[string]string {
	out := map[string]string{"format": "pt"}
	for k, v := range meta {
		out[k] = v
	}
	return out
}

// finite reports whether every value is finite, for a weights sanity check.
func finite(ts []nn.NamedParam) (string, bool) {
	for _, p := range ts {
		for _, v := range p.Value.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return p.Name, false
			}
		}
	}
	return "", true
}
