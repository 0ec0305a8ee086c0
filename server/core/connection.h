#pragma once

#include <QByteArray>
#include <QString>

namespace cortado {

// The hub's only view of a transport: something that can take an encoded frame or be closed.
// Implemented by the WebSocket transport; tests may implement it in memory.
//
// Thread affinity: called on the hub's thread. A transport whose socket lives on another I/O
// thread posts the (implicitly shared, so cheap to copy) frame to that thread.
class Connection
{
public:
    virtual ~Connection() = default;

    // Queues one text message (UTF-8 bytes). `utf8` is the same array for every recipient of a
    // broadcast, so a transport may frame it once: do not modify.
    virtual void sendText(const QByteArray &utf8) = 0;

    // Sends a close frame with `code` and `reason`; the hub hears of the end through Hub::detach().
    virtual void close(int code, const QString &reason) = 0;

    // Bytes queued for this client and not yet handed to the network (a slow reader's backlog).
    virtual qint64 queuedBytes() const { return 0; }
};

} // namespace cortado
