// Macros shared by the depthwise kernels of dw_amd64.s (AVX2) and
// dw512_amd64.s (AVX-512): the scalar edge outputs of a row with one
// column of zero padding. They use the including file's register names
// XP, D1, D2, YP, FLAGS and X0–X8 (the low lanes of the broadcast
// weights), which both files define alike.

// EDGE_INIT(E, BIASX, LABEL): scalar E = acc ? y[i] : bias.
#define EDGE_INIT(E, BIASX, LABEL) \
	VMOVAPS BIASX, E;  \
	TESTQ   $1, FLAGS; \
	JEQ     LABEL;     \
	VMOVSS  (YP), E;   \
LABEL:

// LEFT_EDGE(E): E += the taps b = 1, 2 of the first output, which read
// columns 0 and 1 (its tap b = 0 is the zero pad at column −1).
#define LEFT_EDGE(E) \
	VFMADD231SS (XP), X1, E;        \
	VFMADD231SS 4(XP), X2, E;       \
	VFMADD231SS (XP)(D1*1), X4, E;  \
	VFMADD231SS 4(XP)(D1*1), X5, E; \
	VFMADD231SS (XP)(D2*1), X7, E;  \
	VFMADD231SS 4(XP)(D2*1), X8, E

// RIGHT_EDGE(E): E += the taps b = 0, 1 of the last output, which read
// the columns at XP and XP+1 (its tap b = 2 is the zero pad).
#define RIGHT_EDGE(E) \
	VFMADD231SS (XP), X0, E;        \
	VFMADD231SS 4(XP), X1, E;       \
	VFMADD231SS (XP)(D1*1), X3, E;  \
	VFMADD231SS 4(XP)(D1*1), X4, E; \
	VFMADD231SS (XP)(D2*1), X6, E;  \
	VFMADD231SS 4(XP)(D2*1), X7, E
