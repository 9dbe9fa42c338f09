package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/convkit/convkit/data"
	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/safetensors"
	"github.com/convkit/convkit/tensor"
)

// EpochStats are the metrics of one finished epoch, a row of
// metrics.csv.
type EpochStats struct {
	// Epoch is the number of the epoch, from 1.
	Epoch int `json:"epoch"`
	// Step is the number of optimizer steps taken by its end.
	Step int `json:"step"`
	// LR is the learning rate of its last step.
	LR float64 `json:"lr"`
	// TrainLoss and TrainAcc average the training batches (augmented, in
	// training mode, label smoothing included in the loss).
	TrainLoss float64 `json:"train_loss"`
	TrainAcc  float64 `json:"train_acc"`
	// TestLoss and TestAcc are measured on the test set in evaluation
	// mode after the epoch (no smoothing); NaN without a test set.
	TestLoss float64 `json:"test_loss"`
	TestAcc  float64 `json:"test_acc"`
	// ImagesPerSec is the training throughput of the epoch (evaluation
	// excluded).
	ImagesPerSec float64 `json:"images_per_sec"`
	// Elapsed is the wall time of the run so far, in seconds, evaluation
	// and checkpoints included, summed over resumed sessions.
	Elapsed float64 `json:"elapsed"`
}

// State is where a training run stands. Together with the model, the
// optimizer state and the Config it determines the rest of the run:
// shuffling and augmentation are pure functions of (Seed, epoch, batch)
// (data.Batcher) and the learning rate of the step number.
type State struct {
	// Epoch is the current epoch, from 0; Epochs when training is done.
	Epoch int `json:"epoch"`
	// Batch is the number of batches of Epoch already trained.
	Batch int `json:"batch"`
	// Step is the number of optimizer steps taken.
	Step int `json:"step"`
	// Seed is the shuffling and augmentation seed.
	Seed uint64 `json:"seed"`
	// LossSum, Correct and Seen accumulate the training loss (times the
	// batch size), correct predictions and images of the current epoch.
	LossSum float64 `json:"loss_sum"`
	Correct int     `json:"correct"`
	Seen    int     `json:"seen"`
	// History holds the finished epochs.
	History []EpochStats `json:"history"`
	// BestAcc is the best test accuracy so far, reached after epoch
	// BestEpoch (from 1; 0 before the first evaluation).
	BestAcc   float64 `json:"best_acc"`
	BestEpoch int     `json:"best_epoch"`
	// Elapsed is the wall time spent so far, in seconds.
	Elapsed float64 `json:"elapsed"`
}

// Progress is reported after every training step and during evaluation.
type Progress struct {
	// Phase is "train" or "eval".
	Phase string
	// Epoch counts from 1 to Epochs.
	Epoch, Epochs int
	// Batch is the number of batches of this epoch done, of Batches.
	Batch, Batches int
	// Step is the number of optimizer steps done, of Steps.
	Step, Steps int
	// LR is the learning rate of the last step.
	LR float64
	// Loss and Accuracy average the epoch's training batches so far.
	Loss, Accuracy float64
	// ImagesPerSec is the training throughput of this session.
	ImagesPerSec float64
	// Elapsed is the run's wall time so far; ETA estimates the rest.
	Elapsed, ETA time.Duration
}

// Trainer trains a classifier. Create it with New, optionally Resume it
// from a checkpoint, then Run it.
type Trainer struct {
	Model  nn.Layer
	Config Config
	// Train and Test are the data sets, pixels in [0, 1]. Test may be nil.
	Train, Test *data.Dataset
	// Mean and Std normalize every image per channel after augmentation;
	// New sets them to the training set's statistics.
	Mean, Std []float32
	// Dir, when not empty, receives checkpoints (LatestFile, BestFile) and
	// MetricsFile.
	Dir string
	// Meta is added to the metadata of every checkpoint (the command line
	// tool stores the model's name and configuration there).
	Meta map[string]string
	// EvalBatch is the batch size of evaluation, BatchSize by default (the
	// same input shape as training, so no new plans or buffers).
	EvalBatch int
	// OnStep, if set, is called after each training step and during
	// evaluation; OnEpoch after each epoch. They run on Run's goroutine:
	// keep them quick.
	OnStep  func(Progress)
	OnEpoch func(EpochStats)

	opt     Optimizer
	sched   Schedule
	batcher *data.Batcher
	params  []nn.NamedParam
	state   State
	in      Input
}

// New prepares a training run of model on the training set with cfg. It
// turns off the model's input gradient (nn.SetInputGrad), which training
// never reads.
func New(model nn.Layer, cfg Config, trainSet, testSet *data.Dataset) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if model == nil {
		return nil, errors.New("train: nil model")
	}
	if trainSet == nil || trainSet.Len() == 0 {
		return nil, errors.New("train: empty training set")
	}
	if trainSet.Len() < cfg.BatchSize {
		return nil, fmt.Errorf("train: batch size %d is larger than the %d training images", cfg.BatchSize, trainSet.Len())
	}
	if testSet != nil && (testSet.C != trainSet.C || testSet.H != trainSet.H || testSet.W != trainSet.W) {
		return nil, fmt.Errorf("train: test images are %d×%d×%d, training images %d×%d×%d",
			testSet.C, testSet.H, testSet.W, trainSet.C, trainSet.H, trainSet.W)
	}
	// Nothing consumes the gradient with respect to the images, so the
	// first layer need not compute it.
	nn.SetInputGrad(model, false)
	params := nn.NamedParams(model)
	opt, err := NewOptimizer(cfg, params)
	if err != nil {
		return nil, err
	}
	b := &data.Batcher{Data: trainSet, Size: cfg.BatchSize, Seed: cfg.Seed, Shuffle: true, DropLast: true}
	switch {
	case cfg.CropPad > 0 && cfg.Flip:
		b.Augment = data.CropFlip(cfg.CropPad)
	case cfg.CropPad > 0:
		pad := cfg.CropPad
		b.Augment = func(dst, src []float32, c, h, w int, rng *rand.Rand) { data.RandomCrop(dst, src, c, h, w, pad, rng) }
	case cfg.Flip:
		b.Augment = data.CropFlip(0)
	}
	sched, err := NewSchedule(cfg, b.NumBatches())
	if err != nil {
		return nil, err
	}
	mean, std := trainSet.MeanStd()
	for i := range std {
		if !(std[i] > 0) {
			std[i] = 1
		}
	}
	return &Trainer{
		Model: model, Config: cfg, Train: trainSet, Test: testSet, Mean: mean, Std: std,
		opt: opt, sched: sched, batcher: b, params: params,
		state: State{Seed: cfg.Seed},
	}, nil
}

// State returns a copy of the training state.
func (t *Trainer) State() State {
	s := t.state
	s.History = append([]EpochStats(nil), s.History...)
	return s
}

// Optimizer returns the optimizer.
func (t *Trainer) Optimizer() Optimizer { return t.opt }

// StepsPerEpoch returns the number of optimizer steps in one epoch.
func (t *Trainer) StepsPerEpoch() int { return t.batcher.NumBatches() }

// DataInfo describes the training inputs, as stored in checkpoints.
func (t *Trainer) DataInfo() DataInfo {
	d := t.Train
	return DataInfo{Channels: d.C, Height: d.H, Width: d.W, Mean: t.Mean, Std: t.Std, Classes: d.Classes}
}

// Done reports whether every epoch has been trained.
func (t *Trainer) Done() bool { return t.state.Epoch >= t.Config.Epochs }

// Run trains until the last epoch is done or ctx is cancelled. With Dir
// set it checkpoints at the end of every epoch, every SaveEvery steps and,
// on cancellation, after the last complete step, so that Resume continues
// exactly where it stopped. It returns ctx's error when cancelled.
func (t *Trainer) Run(ctx context.Context) error {
	if t.Dir != "" {
		if err := os.MkdirAll(t.Dir, 0o755); err != nil {
			return fmt.Errorf("train: %w", err)
		}
	}
	s := &t.state
	sess := session{start: time.Now(), elapsed0: s.Elapsed}
	spe := t.batcher.NumBatches()
	total := t.Config.Epochs * spe
	d := t.Train
	evalBatch := t.EvalBatch
	if evalBatch <= 0 {
		evalBatch = t.Config.BatchSize
	}
	t.in.Mean, t.in.Std = t.Mean, t.Std
	nn.SetTraining(t.Model, true)
	for s.Epoch < t.Config.Epochs {
		epochImages := 0
		var epochTrain time.Duration
		for k, b := range t.batcher.Epoch(s.Epoch, s.Batch) {
			if err := ctx.Err(); err != nil {
				return t.stop(err, &sess)
			}
			stepStart := time.Now()
			lr := t.sched.LR(s.Step)
			loss, correct, err := t.step(t.in.Tensor(b.Images, b.N, d.C, d.H, d.W), b.Labels, lr)
			if err != nil {
				return fmt.Errorf("train: epoch %d, batch %d: %w", s.Epoch+1, k+1, err)
			}
			s.Step++
			s.Batch = k + 1
			s.LossSum += loss * float64(b.N)
			s.Correct += correct
			s.Seen += b.N
			dt := time.Since(stepStart)
			epochTrain += dt
			sess.trainTime += dt
			epochImages += b.N
			sess.images += b.N
			if t.OnStep != nil {
				t.OnStep(t.progress("train", lr, &sess, total, spe))
			}
			if t.Config.SaveEvery > 0 && s.Step%t.Config.SaveEvery == 0 && t.Dir != "" {
				if err := t.save(&sess, false); err != nil {
					return err
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return t.stop(err, &sess)
		}
		st := EpochStats{
			Epoch: s.Epoch + 1, Step: s.Step, LR: t.sched.LR(max(s.Step-1, 0)),
			TrainLoss: s.LossSum / float64(max(s.Seen, 1)), TrainAcc: float64(s.Correct) / float64(max(s.Seen, 1)),
			TestLoss: math.NaN(), TestAcc: math.NaN(),
		}
		if epochTrain > 0 {
			st.ImagesPerSec = float64(epochImages) / epochTrain.Seconds()
		}
		if t.Test != nil {
			if t.OnStep != nil {
				t.OnStep(t.progress("eval", st.LR, &sess, total, spe))
			}
			evalStart := time.Now()
			r, err := Evaluate(ctx, t.Model, t.Test, evalBatch, t.Mean, t.Std)
			if err != nil {
				if ctx.Err() != nil {
					return t.stop(ctx.Err(), &sess)
				}
				return err
			}
			sess.evalTime += time.Since(evalStart)
			sess.evals++
			st.TestLoss, st.TestAcc = r.Loss, r.Accuracy
		}
		best := t.Test != nil && (s.BestEpoch == 0 || st.TestAcc > s.BestAcc)
		if best {
			s.BestAcc, s.BestEpoch = st.TestAcc, st.Epoch
		}
		s.Epoch++
		s.Batch, s.LossSum, s.Correct, s.Seen = 0, 0, 0, 0
		s.Elapsed = sess.elapsed()
		st.Elapsed = s.Elapsed
		s.History = append(s.History, st)
		if t.Dir != "" {
			if err := t.save(&sess, best); err != nil {
				return err
			}
		}
		if t.OnEpoch != nil {
			t.OnEpoch(st)
		}
	}
	return nil
}

// session measures one call of Run.
type session struct {
	start               time.Time
	elapsed0            float64
	trainTime, evalTime time.Duration
	images, evals       int
}

func (s *session) elapsed() float64 { return s.elapsed0 + time.Since(s.start).Seconds() }

// stop saves a checkpoint after the last complete step and returns err.
func (t *Trainer) stop(err error, sess *session) error {
	if t.Dir != "" {
		if serr := t.save(sess, false); serr != nil {
			return errors.Join(err, serr)
		}
	}
	return err
}

// step runs one forward and backward pass and one optimizer step. It
// returns the batch's mean loss and its number of correct predictions.
func (t *Trainer) step(x *tensor.Tensor, labels []int, lr float64) (float64, int, error) {
	for _, p := range t.params {
		clear(p.Grad.Data)
	}
	y, err := t.Model.Forward(x)
	if err != nil {
		return 0, 0, err
	}
	loss, dl, err := nn.CrossEntropy(y, labels, t.Config.LabelSmoothing)
	if err != nil {
		return 0, 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return 0, 0, fmt.Errorf("the loss is %g: training diverged (lower the learning rate)", loss)
	}
	k := y.Shape[1]
	correct := 0
	for i, l := range labels {
		if argmax(y.Data[i*k:(i+1)*k]) == l {
			correct++
		}
	}
	if _, err := t.Model.Backward(dl); err != nil {
		return 0, 0, err
	}
	t.opt.Step(lr)
	return loss, correct, nil
}

func (t *Trainer) progress(phase string, lr float64, sess *session, total, spe int) Progress {
	s := &t.state
	p := Progress{
		Phase: phase, Epoch: min(s.Epoch+1, t.Config.Epochs), Epochs: t.Config.Epochs,
		Batch: s.Batch, Batches: spe, Step: s.Step, Steps: total, LR: lr,
		Loss: s.LossSum / float64(max(s.Seen, 1)), Accuracy: float64(s.Correct) / float64(max(s.Seen, 1)),
		Elapsed: time.Duration(sess.elapsed() * float64(time.Second)),
	}
	if sess.trainTime > 0 {
		p.ImagesPerSec = float64(sess.images) / sess.trainTime.Seconds()
		perStep := sess.trainTime.Seconds() / float64(sess.images) * float64(t.Config.BatchSize)
		eta := float64(total-s.Step) * perStep
		if t.Test != nil {
			evals := t.Config.Epochs - s.Epoch
			perEval := float64(t.Test.Len()) / p.ImagesPerSec / 3 // a forward pass is about a third of a step
			if sess.evals > 0 {
				perEval = sess.evalTime.Seconds() / float64(sess.evals)
			}
			eta += float64(evals) * perEval
		}
		p.ETA = time.Duration(eta * float64(time.Second))
	}
	return p
}

// save writes the latest checkpoint and, if best, the best model, then
// the metrics table.
func (t *Trainer) save(sess *session, best bool) error {
	t.state.Elapsed = sess.elapsed()
	if err := t.Save(filepath.Join(t.Dir, LatestFile)); err != nil {
		return err
	}
	if best {
		meta, err := t.meta(false)
		if err != nil {
			return err
		}
		if err := SaveModel(filepath.Join(t.Dir, BestFile), t.Model, meta); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if err := WriteMetrics(&buf, t.state.History); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(t.Dir, MetricsFile), buf.Bytes())
}

// meta returns the checkpoint metadata: the caller's Meta, the config,
// the data description and, for a full checkpoint, the state.
func (t *Trainer) meta(full bool) (map[string]string, error) {
	m := maps.Clone(t.Meta)
	if m == nil {
		m = map[string]string{}
	}
	enc := func(key string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("train: checkpoint metadata %s: %w", key, err)
		}
		m[key] = string(b)
		return nil
	}
	if err := enc(MetaConfig, t.Config); err != nil {
		return nil, err
	}
	if err := enc(MetaData, t.DataInfo()); err != nil {
		return nil, err
	}
	if full {
		if err := enc(MetaState, jsonState(t.state)); err != nil {
			return nil, err
		}
		if err := enc(MetaSteps, t.opt.Steps()); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Save writes a full checkpoint to path atomically: the model's state
// dict, the optimizer state (names prefixed OptimizerPrefix) and, as
// metadata, the training state, config and data description.
func (t *Trainer) Save(path string) error {
	if name, ok := finite(t.params); !ok {
		return fmt.Errorf("train: not saving a checkpoint: parameter %s is not finite", name)
	}
	ts, err := modelTensors(t.Model)
	if err != nil {
		return err
	}
	for name, v := range t.opt.State() {
		ts[OptimizerPrefix+name] = safetensors.NewF32(v.Shape, v.Data)
	}
	meta, err := t.meta(true)
	if err != nil {
		return err
	}
	if err := safetensors.WriteFile(path, ts, withFormat(meta)); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// Resume restores the model, the optimizer and the training state from a
// full checkpoint written by Save (or by Run into Dir). The checkpoint's
// recipe must equal t.Config (SaveEvery aside): the run then continues
// bit for bit as if it had never stopped, given the same data, kernels
// and thread count.
func (t *Trainer) Resume(path string) error {
	c, err := ReadCheckpoint(path)
	if err != nil {
		return err
	}
	if c.State == nil || c.Config == nil {
		return fmt.Errorf("train: %s is a model file, not a training checkpoint (no training state)", path)
	}
	a, b := *c.Config, t.Config
	a.SaveEvery, b.SaveEvery = 0, 0
	if !reflect.DeepEqual(a, b) {
		return fmt.Errorf("train: %s was trained with a different recipe:\n  checkpoint %+v\n  now        %+v", path, a, b)
	}
	if c.Data != nil && (len(c.Data.Mean) != t.Train.C || len(c.Data.Std) != t.Train.C) {
		return fmt.Errorf("train: %s normalizes %d channels, the data has %d", path, len(c.Data.Mean), t.Train.C)
	}
	if err := c.LoadModel(t.Model); err != nil {
		return err
	}
	if err := t.opt.LoadState(c.Steps, c.Optimizer); err != nil {
		return err
	}
	if c.Data != nil {
		t.Mean, t.Std = c.Data.Mean, c.Data.Std
	}
	t.state = fromJSONState(*c.State)
	return nil
}

// jsonState replaces the NaN test metrics of runs without a test set,
// which JSON cannot hold, by a marker.
func jsonState(s State) State {
	s.History = append([]EpochStats(nil), s.History...)
	for i := range s.History {
		h := &s.History[i]
		if math.IsNaN(h.TestLoss) {
			h.TestLoss = -1
		}
		if math.IsNaN(h.TestAcc) {
			h.TestAcc = -1
		}
	}
	return s
}

func fromJSONState(s State) State {
	for i := range s.History {
		h := &s.History[i]
		if h.TestLoss < 0 {
			h.TestLoss = math.NaN()
		}
		if h.TestAcc < 0 {
			h.TestAcc = math.NaN()
		}
	}
	return s
}

// writeFileAtomic writes data to a temporary file next to path and
// renames it over path.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("train: %w", err)
	}
	return nil
}
