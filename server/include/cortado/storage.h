// Public header: Durable storage: room history and JSON documents in SQLite or PostgreSQL.
#pragma once
#include "storage/storage.h"
