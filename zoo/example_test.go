package zoo_test

import (
	"fmt"
	"log"

	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/tensor"
	"github.com/convkit/convkit/zoo"
)

func ExampleNew() {
	for _, name := range zoo.Names() {
		m, err := zoo.New(name, zoo.Config{}) // 1×28×28 images, 10 classes, width 1
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-8s %7d parameters\n", name, nn.NumParams(m))
	}
	m, err := zoo.New("channel", zoo.Config{InChannels: 3, Size: 32, Width: 0.5})
	if err != nil {
		log.Fatal(err)
	}
	y, err := m.Forward(tensor.New(m.InputShape(4)...))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m, "→", y.Shape)
	// Output:
	// channel    63215 parameters
	// mobile    113418 parameters
	// shuffle    31834 parameters
	// standard  906730 parameters
	// channel (width 0.5, 3×32×32, 10 classes) → [4 10]
}
