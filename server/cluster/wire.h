// The messages nodes exchange over the cluster bus (Redis pub/sub), as bytes: read without JSON, so
// a node drops a message that is not for it after a few byte reads.
//
//   'C' version kind originLength origin body
//
// Routed kinds (Send, Sequenced) carry their target and the final frame clients get: receivers
// never encode. A Sequenced message's offset is written by the Redis script that numbers it,
// between the header and the frame, as decimal text and '|' (see Cluster::SequenceScript).
// Other kinds carry a compact JSON body. No QObject: tst_clusterwire and fuzz_clusterwire read
// hostile input with it.
#pragma once

#include "core/target.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace cortado::cluster::wire {

constexpr char Magic = 'C';
constexpr quint8 Version = 1;

enum class Kind : quint8 {
    Send = 1, // a message for a target: deliver to this node's recipients
    Sequenced = 2, // a message into a history room, numbered by Redis
    Heartbeat = 3, // a node's figures, every few seconds (JSON)
    Presence = 4, // a node's presence changes or its full presence (JSON)
    Request = 5, // a question to every node (JSON), answered by Reply on the asker's channel
    Reply = 6,
    Action = 7, // something for the node that holds a socket (disconnect, join, leave) (JSON)
};

struct Header
{
    Kind kind = Kind::Send;
    QByteArray origin; // the node id of the sender
    qsizetype bodyAt = 0; // where the body starts
};

// A Send or Sequenced message.
struct Routed
{
    Target target = Target::everyone();
    QString event;
    SocketId sender; // Sequenced: the socket that sent it (its acks wait for it); may be empty
    qint64 offset = 0; // Sequenced only
    QByteArray frame;
};

// std::nullopt when `bytes` is not a bus message of this version.
std::optional<Header> readHeader(QByteArrayView bytes);
// The routed body of a Send or Sequenced message; std::nullopt when malformed.
std::optional<Routed> readRouted(const Header &header, QByteArrayView bytes);

QByteArray encodeSend(const QByteArray &origin, const Target &target, const QString &event, const QByteArray &frame);
// Everything of a Sequenced message before its offset: the script appends "<offset>|<frame>".
QByteArray encodeSequencedHead(const QByteArray &origin, const Target &target, const QString &event,
                               const SocketId &sender);
// A message whose body is `body` (JSON for the kinds that are not routed).
QByteArray encode(Kind kind, const QByteArray &origin, QByteArrayView body);

} // namespace cortado::cluster::wire
