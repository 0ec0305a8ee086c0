// History as stored: blocks of consecutive messages of one room, one row each (schema 2). Internal
// to the storage library; the writer groups a batch into blocks, the readers split them again.
//
// A row of cortado_history_blocks holds the messages first_seq..last_seq of a room, their frames
// joined by '\n' (compact JSON never contains a raw newline; a frame that does is stored alone in its
// block, first_seq == last_seq, and never split). created_at is the newest message's: an entry is
// restored with its block's time. One row per ~20 messages instead of one per message is what takes
// the writer from four B-tree operations per message (row, key index, and both again when pruned)
// to a fraction of one (docs/architecture.md, "Presence, history, storage, workers").
#pragma once

#include "core/history.h"
#include "writequeue.h"

#include <QByteArray>
#include <QList>

#include <vector>

namespace cortado::storage {

// A block is closed at this many messages or bytes of frames, so a read (and start-up) never has to
// take more than this at once to get at one message. A single frame larger than that is a block of
// its own. Readers rely on BlockMaxMessages (first_seq > since - BlockMaxMessages lets the key serve
// "after since"): raising it needs a schema version.
inline constexpr qint64 BlockMaxMessages = 256;
inline constexpr qsizetype BlockMaxBytes = 64 * 1024;

struct HistoryBlock
{
    const WriteItem *first = nullptr; // its route and room
    std::size_t room = 0; // index into HistoryBatch::rooms
    qint64 firstSeq = 0, lastSeq = 0;
    qint64 createdAt = 0; // the newest message's
    QByteArray frames; // joined by '\n'; a lone frame shares the hub's bytes
    bool closed = false; // holds a frame with a newline, or is full
};

struct HistoryRoom
{
    const WriteItem *first = nullptr; // its route and room
    qint64 last = 0; // the highest offset of the batch
    int keep = 0; // the room keeps this many messages (0: no count limit)
    std::ptrdiff_t openBlock = -1; // the block the room's next consecutive message may join
};

struct HistoryBatch
{
    std::vector<HistoryRoom> rooms; // in order of first appearance
    std::vector<HistoryBlock> blocks;
};

// The history items of `batch`, grouped per room into blocks of consecutive offsets.
HistoryBatch groupHistory(const std::vector<WriteItem> &batch);

// Appends to `out` the entries of a stored block with offset > `after`, each with the block's
// created_at, until `out` holds `limit` entries (-1: no limit). False, with nothing appended, when
// the frames do not split into last_seq - first_seq + 1 pieces.
bool splitBlock(qint64 firstSeq, qint64 lastSeq, qint64 createdAt, const QByteArray &frames, qint64 after,
                QList<HistoryEntry> *out, qsizetype limit = -1);

} // namespace cortado::storage
