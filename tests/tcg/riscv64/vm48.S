/* The paging test with four levels (Sv48). */
#define SV48 1
#include "vm.S"
