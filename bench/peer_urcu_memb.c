/* peer_urcu.c as the memb-flavour peer. */
#define PEER_URCU_MEMB 1
#include "peer_urcu.c"
