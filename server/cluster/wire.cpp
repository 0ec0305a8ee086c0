#include "wire.h"

namespace cortado::cluster::wire {

namespace {

void appendHeader(QByteArray &out, Kind kind, const QByteArray &origin)
{
    Q_ASSERT(origin.size() <= 255);
    out.append(Magic).append(char(Version)).append(char(kind)).append(char(quint8(origin.size()))).append(origin);
}

// A string as a 16-bit big-endian length and its UTF-8 (room and event names are far shorter).
void appendString(QByteArray &out, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    const quint16 length = quint16(std::min<qsizetype>(utf8.size(), 0xffff));
    out.append(char(length >> 8)).append(char(length & 0xff)).append(utf8.constData(), length);
}

void appendTarget(QByteArray &out, const Target &target, const QString &event, const SocketId &socket)
{
    out.append(char(target.scope()));
    appendString(out, target.routePath());
    appendString(out, target.roomName());
    appendString(out, socket);
    appendString(out, target.excluded());
    appendString(out, event);
}

class Reader
{
public:
    Reader(QByteArrayView bytes, qsizetype at) : m_bytes(bytes), m_at(at) { }

    bool byte(quint8 *value)
    {
        if (m_at >= m_bytes.size())
            return false;
        *value = quint8(m_bytes[m_at++]);
        return true;
    }
    bool string(QString *text)
    {
        quint8 high = 0, low = 0;
        if (!byte(&high) || !byte(&low))
            return false;
        const qsizetype length = (qsizetype(high) << 8) | low;
        if (m_bytes.size() - m_at < length)
            return false;
        *text = QString::fromUtf8(m_bytes.sliced(m_at, length));
        m_at += length;
        return true;
    }
    // Decimal digits up to '|'.
    bool offset(qint64 *value)
    {
        qint64 number = 0;
        qsizetype digits = 0;
        while (m_at < m_bytes.size() && m_bytes[m_at] != '|') {
            const char c = m_bytes[m_at++];
            if (c < '0' || c > '9' || ++digits > 18)
                return false;
            number = number * 10 + (c - '0');
        }
        if (m_at >= m_bytes.size() || digits == 0)
            return false;
        ++m_at; // '|'
        *value = number;
        return true;
    }
    QByteArray rest() const { return m_bytes.sliced(m_at).toByteArray(); }

private:
    QByteArrayView m_bytes;
    qsizetype m_at;
};

} // namespace

std::optional<Header> readHeader(QByteArrayView bytes)
{
    if (bytes.size() < 4 || bytes[0] != Magic || quint8(bytes[1]) != Version)
        return std::nullopt;
    const quint8 kind = quint8(bytes[2]);
    if (kind < quint8(Kind::Send) || kind > quint8(Kind::Action))
        return std::nullopt;
    const qsizetype originLength = quint8(bytes[3]);
    if (bytes.size() < 4 + originLength)
        return std::nullopt;
    return Header{Kind(kind), bytes.sliced(4, originLength).toByteArray(), 4 + originLength};
}

std::optional<Routed> readRouted(const Header &header, QByteArrayView bytes)
{
    if (header.kind != Kind::Send && header.kind != Kind::Sequenced)
        return std::nullopt;
    Reader reader(bytes, header.bodyAt);
    quint8 scope = 0;
    QString route, room, socket, except;
    Routed routed;
    if (!reader.byte(&scope) || scope > quint8(Target::Scope::Everyone) || !reader.string(&route)
        || !reader.string(&room) || !reader.string(&socket) || !reader.string(&except)
        || !reader.string(&routed.event))
        return std::nullopt;
    switch (Target::Scope(scope)) {
    case Target::Scope::Socket:
        routed.target = Target::socket(socket);
        break;
    case Target::Scope::Room:
        routed.target = Target::room(route, room);
        break;
    case Target::Scope::Route:
        routed.target = Target::route(route);
        break;
    case Target::Scope::Everyone:
        routed.target = Target::everyone();
        break;
    }
    if (!except.isEmpty())
        routed.target = routed.target.except(except);
    if (header.kind == Kind::Sequenced) {
        if (Target::Scope(scope) != Target::Scope::Room || !reader.offset(&routed.offset) || routed.offset <= 0)
            return std::nullopt;
        routed.sender = socket;
    }
    routed.frame = reader.rest();
    return routed;
}

QByteArray encodeSend(const QByteArray &origin, const Target &target, const QString &event, const QByteArray &frame)
{
    QByteArray out;
    out.reserve(32 + origin.size() + target.routePath().size() + target.roomName().size() + event.size()
                + frame.size());
    appendHeader(out, Kind::Send, origin);
    appendTarget(out, target, event, target.socketId());
    out.append(frame);
    return out;
}

QByteArray encodeSequencedHead(const QByteArray &origin, const Target &target, const QString &event,
                               const SocketId &sender)
{
    QByteArray out;
    appendHeader(out, Kind::Sequenced, origin);
    appendTarget(out, target, event, sender);
    return out;
}

QByteArray encode(Kind kind, const QByteArray &origin, QByteArrayView body)
{
    QByteArray out;
    out.reserve(4 + origin.size() + body.size());
    appendHeader(out, kind, origin);
    out.append(body);
    return out;
}

} // namespace cortado::cluster::wire
