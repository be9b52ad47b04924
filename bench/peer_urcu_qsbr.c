/* peer_urcu.c as the QSBR-flavour peer. */
#define PEER_URCU_QSBR 1
#include "peer_urcu.c"
