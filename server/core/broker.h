// What the hub hands to other nodes when several share a broker (cluster mode, server/cluster).
// Pure interface: core knows nothing of Redis.
#pragma once

#include "session.h"
#include "target.h"

#include <cortado/protocol.h>

namespace cortado {

// Main thread only, like the hub. Hub::setBroker(nullptr) (the default) is a single node.
class Broker
{
public:
    virtual ~Broker() = default;

    // False while the broker cannot reach the other nodes: the hub then serves local sockets only.
    virtual bool isUp() const = 0;

    // `frame` went to this node's recipients of `target` already; other nodes deliver it to theirs.
    // The frame is final: receivers never encode.
    virtual void publish(const Target &target, const QString &event, const QByteArray &frame) = 0;

    // A message into a room that keeps history: the broker gives it the room's next cluster-wide
    // offset (above `floor`), and every node, this one too, receives it back through
    // Hub::deliverSequenced() in offset order. False when it cannot now (nothing was sent).
    virtual bool publishSequenced(const Target &target, const QString &event, const SocketId &sender,
                                  const protocol::FrameParts &parts, qint64 floor) = 0;
};

} // namespace cortado
