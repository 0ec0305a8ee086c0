#include "historyblocks.h"

#include <QHash>

namespace cortado::storage {

HistoryBatch groupHistory(const std::vector<WriteItem> &batch)
{
    HistoryBatch grouped;
    QHash<std::pair<QString, QString>, std::size_t> roomIndex;
    std::size_t previous = 0;
    for (const WriteItem &item : batch) {
        if (item.kind != WriteItem::Kind::History)
            continue;
        // Consecutive items of one room are the common case: no lookup for them.
        std::size_t index = previous;
        if (grouped.rooms.empty() || grouped.rooms[index].first->first != item.first
            || grouped.rooms[index].first->second != item.second) {
            const std::pair<QString, QString> key(item.first, item.second);
            const auto known = roomIndex.constFind(key);
            if (known == roomIndex.cend()) {
                index = grouped.rooms.size();
                roomIndex.insert(key, index);
                grouped.rooms.push_back(HistoryRoom{&item});
            } else {
                index = *known;
            }
        }
        previous = index;
        HistoryRoom &room = grouped.rooms[index];
        room.last = std::max(room.last, item.offset);
        room.keep = item.keep;

        const bool newline = item.body.contains('\n');
        if (room.openBlock >= 0) {
            HistoryBlock &block = grouped.blocks[std::size_t(room.openBlock)];
            if (!newline && !block.closed && item.offset == block.lastSeq + 1
                && block.lastSeq - block.firstSeq + 1 < BlockMaxMessages
                && block.frames.size() + 1 + item.body.size() <= BlockMaxBytes) {
                if (block.firstSeq == block.lastSeq) {
                    // The first join copies the lone frame (it shares the hub's bytes) into room for
                    // a batch's worth of the room's messages; Qt grows it geometrically beyond.
                    QByteArray frames;
                    frames.reserve(std::min(BlockMaxBytes, 32 * (block.frames.size() + 1)));
                    frames.append(block.frames);
                    block.frames = std::move(frames);
                }
                block.frames.append('\n').append(item.body);
                block.lastSeq = item.offset;
                block.createdAt = std::max(block.createdAt, item.at);
                continue;
            }
        }
        // A gap in offsets, a full block or a frame with a newline: a new block.
        room.openBlock = std::ptrdiff_t(grouped.blocks.size());
        grouped.blocks.push_back(HistoryBlock{&item, index, item.offset, item.offset, item.at, item.body, newline});
    }
    return grouped;
}

bool splitBlock(qint64 firstSeq, qint64 lastSeq, qint64 createdAt, const QByteArray &frames, qint64 after,
                QList<HistoryEntry> *out, qsizetype limit)
{
    if (lastSeq < firstSeq || lastSeq - firstSeq >= BlockMaxMessages)
        return false;
    if (firstSeq == lastSeq) { // one frame, whatever it contains
        if (firstSeq > after && (limit < 0 || out->size() < limit))
            out->append(HistoryEntry{firstSeq, createdAt, frames});
        return true;
    }
    if (frames.count('\n') != lastSeq - firstSeq)
        return false;
    qsizetype start = 0;
    for (qint64 seq = firstSeq; seq <= lastSeq && (limit < 0 || out->size() < limit); ++seq) {
        qsizetype end = frames.indexOf('\n', start);
        if (end < 0)
            end = frames.size();
        if (seq > after)
            out->append(HistoryEntry{seq, createdAt, frames.sliced(start, end - start)});
        start = end + 1;
    }
    return true;
}

} // namespace cortado::storage
