// Public header: Who is in a room: presence:state, then batched presence:diff (joins, leaves, statuses).
#pragma once
#include "core/presence.h"
