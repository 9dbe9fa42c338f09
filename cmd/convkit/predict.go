package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/convkit/convkit/data"
	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/tensor"
	"github.com/convkit/convkit/train"
)

func init() { register(newPredictCmd) }

type predictArgs struct {
	checkpointArgs
	top     int
	invert  bool
	threads int
	json    bool
}

func newPredictCmd() *cobra.Command {
	var a predictArgs
	c := &cobra.Command{
		Use:   "predict (--run RUN [--best] | --checkpoint FILE) IMAGE...",
		Short: "Classify PNG or JPEG images with a trained model",
		Long: `Classify PNG or JPEG images with a trained model and print the most probable
classes with their probabilities. Each image is converted to the model's
input: grey (luma) or RGB, resized to the training images' size, scaled to
[0, 1] and normalized as in training.

Fashion-MNIST shows light clothes on a black background: photos of dark
objects on a light background need --invert.`,
		Example: `  convkit predict --run runs/channel shirt.png boot.jpg
  convkit predict --run runs/channel --invert --top 3 photo.jpg`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := a.path()
			if err != nil {
				return err
			}
			m, ck, _, err := loadModel(path)
			if err != nil {
				return err
			}
			nn.SetThreads(m, a.threads)
			di := ck.Data
			c, size := m.Config.InChannels, m.Config.Size
			x := tensor.New(len(args), c, size, size)
			is := c * size * size
			for i, name := range args {
				img, err := data.LoadImage(name, c, size, size)
				if err != nil {
					return err
				}
				if a.invert {
					for j, v := range img {
						img[j] = 1 - v
					}
				}
				copy(x.Data[i*is:], img)
			}
			in := train.Input{Mean: di.Mean, Std: di.Std}
			y, err := m.Forward(in.Tensor(x.Data, len(args), c, size, size))
			if err != nil {
				return err
			}
			k := m.Config.Classes
			results := make([]predictJSON, len(args))
			for i, name := range args {
				results[i] = predictJSON{Image: name, Top: train.TopK(y.Data[i*k:(i+1)*k], a.top, di.Classes)}
			}
			if a.json {
				return writePredictJSON(cmd.OutOrStdout(), results)
			}
			return writePredictText(cmd.OutOrStdout(), results)
		},
	}
	a.flags(c)
	f := c.Flags()
	f.IntVar(&a.top, "top", 3, "how many classes to show per image")
	f.BoolVar(&a.invert, "invert", false, "invert the images (1 − v), for dark objects on a light background")
	f.IntVar(&a.threads, "threads", 0, "worker threads (0: all CPUs)")
	f.BoolVar(&a.json, "json", false, "print JSON")
	return c
}

type predictJSON struct {
	Image string             `json:"image"`
	Top   []train.Prediction `json:"top"`
}

func writePredictText(w io.Writer, results []predictJSON) error {
	for _, r := range results {
		fmt.Fprintf(w, "%s:\n", r.Image)
		for i, p := range r.Top {
			fmt.Fprintf(w, "  %d. %-14s %6.2f%%  (class %d)\n", i+1, p.Name, 100*p.Probability, p.Class)
		}
	}
	return nil
}

func writePredictJSON(w io.Writer, results []predictJSON) error {
	b, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
