package train

import (
	"encoding/csv"
	"io"
	"strconv"
)

// MetricsHeader is the header row of metrics.csv.
var MetricsHeader = []string{"epoch", "step", "lr", "train_loss", "train_acc", "test_loss", "test_acc", "images_per_sec", "elapsed_s"}

// WriteMetrics writes one CSV row per epoch under MetricsHeader:
// accuracies as fractions, losses as mean cross-entropies, elapsed wall
// time in seconds. Missing test metrics are empty cells.
func WriteMetrics(w io.Writer, history []EpochStats) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(MetricsHeader); err != nil {
		return err
	}
	f := func(v float64, prec int) string {
		if v != v {
			return ""
		}
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	for _, h := range history {
		row := []string{
			strconv.Itoa(h.Epoch), strconv.Itoa(h.Step), strconv.FormatFloat(h.LR, 'g', 6, 64),
			f(h.TrainLoss, 5), f(h.TrainAcc, 5), f(h.TestLoss, 5), f(h.TestAcc, 5),
			f(h.ImagesPerSec, 1), f(h.Elapsed, 1),
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
