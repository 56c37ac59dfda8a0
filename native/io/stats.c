/* stats: drop reason names (see stats.h). */
#include "stats.h"

const char *const bh_drop_names[BH_DROP__COUNT] = {
#define BH_X(id, name) name,
    BH_DROP_REASONS(BH_X)
#undef BH_X
};
