#include "websocketcodec.h"

#include <QCryptographicHash>
#include <QtEndian>

#include <cstring>

using namespace Qt::StringLiterals;

namespace cortado::websocket {

void FrameDecoder::append(QByteArrayView bytes)
{
    if (!m_error)
        m_buffer.append(bytes);
}

DecodedFrame FrameDecoder::fail(int code, QString reason)
{
    DecodedFrame error{DecodedFrame::Kind::Error, {}, code, std::move(reason)};
    m_error = error;
    // Nothing more will be decoded: let the memory go now.
    m_buffer = {};
    m_position = 0;
    m_message = {};
    return error;
}

static bool isKnownOpcode(quint8 opcode)
{
    switch (Opcode(opcode)) {
    case Opcode::Continuation:
    case Opcode::Text:
    case Opcode::Binary:
    case Opcode::Close:
    case Opcode::Ping:
    case Opcode::Pong:
        return true;
    }
    return false;
}

static void unmask(const uchar *mask, const char *in, char *out, qsizetype size)
{
    qsizetype i = 0;
    // Eight bytes at a time: the mask repeats every four, so a doubled mask lines up.
    quint64 wide;
    const uchar doubled[8] = {mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3]};
    std::memcpy(&wide, doubled, 8);
    for (; i + 8 <= size; i += 8) {
        quint64 chunk;
        std::memcpy(&chunk, in + i, 8);
        chunk ^= wide;
        std::memcpy(out + i, &chunk, 8);
    }
    for (; i < size; ++i)
        out[i] = char(uchar(in[i]) ^ mask[i & 3]);
}

DecodedFrame FrameDecoder::next()
{
    using Kind = DecodedFrame::Kind;
    if (m_error)
        return *m_error;
    for (;;) {
        const qsizetype available = m_buffer.size() - m_position;
        const auto *p = reinterpret_cast<const uchar *>(m_buffer.constData()) + m_position;
        if (available < 2)
            break;
        const bool fin = p[0] & 0x80;
        const quint8 opcode = p[0] & 0x0F;
        if (p[0] & 0x70)
            return fail(closecode::ProtocolError, u"reserved bits set without an extension"_s);
        if (!isKnownOpcode(opcode))
            return fail(closecode::ProtocolError, u"unknown opcode %1"_s.arg(int(opcode)));
        if (!(p[1] & 0x80))
            return fail(closecode::ProtocolError, u"client frames must be masked"_s);
        const bool control = opcode & 0x8;
        const quint8 length7 = p[1] & 0x7F;
        if (control && !fin)
            return fail(closecode::ProtocolError, u"fragmented control frame"_s);
        if (control && length7 > MaxControlPayload)
            return fail(closecode::ProtocolError, u"control frame over 125 bytes"_s);

        qsizetype header = 2;
        quint64 length = length7;
        if (length7 == 126) {
            if (available < 4)
                break;
            length = qFromBigEndian<quint16>(p + 2);
            header = 4;
        } else if (length7 == 127) {
            if (available < 10)
                break;
            if (p[2] & 0x80)
                return fail(closecode::ProtocolError, u"64-bit length with the high bit set"_s);
            length = qFromBigEndian<quint64>(p + 2);
            header = 10;
        }
        header += 4; // masking key

        // Everything about the size is decided here, from the header, before the payload is kept.
        if (!control) {
            const bool continuation = Opcode(opcode) == Opcode::Continuation;
            if (continuation && !inFragmentedMessage())
                return fail(closecode::ProtocolError, u"continuation frame without a message"_s);
            if (!continuation && inFragmentedMessage())
                return fail(closecode::ProtocolError, u"new message inside a fragmented message"_s);
            const quint64 total = (continuation ? quint64(m_message.size()) : 0) + length;
            if (total > quint64(m_limits.maxMessageSize))
                return fail(closecode::MessageTooBig,
                            u"message larger than %1 bytes"_s.arg(m_limits.maxMessageSize));
            if (continuation && m_fragments >= m_limits.maxFragments)
                return fail(closecode::PolicyViolation,
                            u"more than %1 fragments in one message"_s.arg(m_limits.maxFragments));
        }
        if (quint64(available) < header + length)
            break;

        const uchar *mask = p + header - 4;
        QByteArray payload(qsizetype(length), Qt::Uninitialized);
        unmask(mask, reinterpret_cast<const char *>(p + header), payload.data(), payload.size());
        m_position += header + qsizetype(length);

        switch (Opcode(opcode)) {
        case Opcode::Ping:
            return {Kind::Ping, payload, 0, {}};
        case Opcode::Pong:
            return {Kind::Pong, payload, 0, {}};
        case Opcode::Close: {
            if (payload.isEmpty())
                return {Kind::Close, {}, closecode::NoStatus, {}};
            if (payload.size() == 1)
                return fail(closecode::ProtocolError, u"close frame with a 1-byte payload"_s);
            const int code = qFromBigEndian<quint16>(payload.constData());
            if (!isValidCloseCode(code))
                return fail(closecode::ProtocolError, u"invalid close code %1"_s.arg(code));
            const QByteArrayView reason = QByteArrayView(payload).sliced(2);
            if (!isValidUtf8(reason))
                return fail(closecode::InvalidPayload, u"close reason is not UTF-8"_s);
            return {Kind::Close, {}, code, QString::fromUtf8(reason)};
        }
        case Opcode::Text:
        case Opcode::Binary:
            if (!fin) {
                m_messageOpcode = Opcode(opcode);
                m_message = std::move(payload);
                m_fragments = 1;
                continue;
            }
            if (Opcode(opcode) == Opcode::Text && !isValidUtf8(payload))
                return fail(closecode::InvalidPayload, u"text message is not UTF-8"_s);
            return {Opcode(opcode) == Opcode::Text ? Kind::Text : Kind::Binary, payload, 0, {}};
        case Opcode::Continuation: {
            m_message.append(payload);
            ++m_fragments;
            if (!fin)
                continue;
            const Opcode messageOpcode = std::exchange(m_messageOpcode, Opcode::Continuation);
            QByteArray message = std::exchange(m_message, {});
            m_fragments = 0;
            if (messageOpcode == Opcode::Text && !isValidUtf8(message))
                return fail(closecode::InvalidPayload, u"text message is not UTF-8"_s);
            return {messageOpcode == Opcode::Text ? Kind::Text : Kind::Binary, message, 0, {}};
        }
        }
    }
    // Keep only the unparsed tail (at most one partial frame).
    if (m_position == m_buffer.size()) {
        m_buffer.clear();
        m_position = 0;
    } else if (m_position > 0) {
        m_buffer.remove(0, m_position);
        m_position = 0;
    }
    return {};
}

bool isValidUtf8(QByteArrayView bytes)
{
    const auto *s = reinterpret_cast<const uchar *>(bytes.data());
    const uchar *const end = s + bytes.size();
    while (s < end) {
        // ASCII runs eight bytes at a time: most JSON is ASCII.
        if (end - s >= 8) {
            quint64 chunk;
            std::memcpy(&chunk, s, 8);
            if (!(chunk & 0x8080808080808080ULL)) {
                s += 8;
                continue;
            }
        }
        const uchar c = *s;
        if (c < 0x80) {
            ++s;
            continue;
        }
        int trailing;
        uchar low = 0x80, high = 0xBF; // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            trailing = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            trailing = 2;
            if (c == 0xE0)
                low = 0xA0; // overlong
            else if (c == 0xED)
                high = 0x9F; // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            trailing = 3;
            if (c == 0xF0)
                low = 0x90; // overlong
            else if (c == 0xF4)
                high = 0x8F; // above U+10FFFF
        } else {
            return false;
        }
        if (end - s <= trailing)
            return false;
        if (s[1] < low || s[1] > high)
            return false;
        for (int i = 2; i <= trailing; ++i) {
            if ((s[i] & 0xC0) != 0x80)
                return false;
        }
        s += trailing + 1;
    }
    return true;
}

bool isValidCloseCode(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
            || (code >= 3000 && code <= 4999);
}

QByteArray encodeFrame(Opcode opcode, QByteArrayView payload)
{
    const qsizetype size = payload.size();
    const qsizetype header = size < 126 ? 2 : size <= 0xFFFF ? 4 : 10;
    QByteArray frame(header + size, Qt::Uninitialized);
    auto *p = reinterpret_cast<uchar *>(frame.data());
    p[0] = 0x80 | quint8(opcode);
    if (size < 126) {
        p[1] = uchar(size);
    } else if (size <= 0xFFFF) {
        p[1] = 126;
        qToBigEndian<quint16>(quint16(size), p + 2);
    } else {
        p[1] = 127;
        qToBigEndian<quint64>(quint64(size), p + 2);
    }
    if (size > 0)
        std::memcpy(p + header, payload.data(), size_t(size));
    return frame;
}

QByteArray encodeClose(int code, const QString &reason)
{
    QByteArray payload(2, Qt::Uninitialized);
    qToBigEndian<quint16>(quint16(code), payload.data());
    QByteArray utf8 = reason.toUtf8();
    if (utf8.size() > MaxControlPayload - 2) {
        qsizetype cut = MaxControlPayload - 2;
        while (cut > 0 && (uchar(utf8.at(cut)) & 0xC0) == 0x80)
            --cut; // never split a character
        utf8.truncate(cut);
    }
    payload.append(utf8);
    return encodeFrame(Opcode::Close, payload);
}

QByteArray acceptKey(QByteArrayView key)
{
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    sha1.addData(key);
    sha1.addData("258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    return sha1.result().toBase64();
}

std::optional<Error> checkHandshake(const Headers &headers, Handshake *handshake)
{
    const QByteArray key = findHeader(headers, "sec-websocket-key").trimmed();
    const auto decoded = QByteArray::fromBase64Encoding(key, QByteArray::AbortOnBase64DecodingErrors);
    if (key.size() != 24 || !decoded || (*decoded).size() != 16)
        return Error::badRequest(QString(protocol::errors::BadRequest),
                                 u"Sec-WebSocket-Key must be 16 bytes in base64"_s);
    if (findHeader(headers, "sec-websocket-version").trimmed() != "13")
        return Error{426, QString(protocol::errors::BadRequest),
                     u"only WebSocket version 13 is supported"_s};
    handshake->accept = acceptKey(key);
    handshake->subprotocol.clear();
    for (const auto &[name, value] : headers) {
        if (name.compare("sec-websocket-protocol", Qt::CaseInsensitive) != 0)
            continue;
        for (const QByteArray &offered : value.split(',')) {
            if (offered.trimmed() == Subprotocol)
                handshake->subprotocol = Subprotocol.toByteArray();
        }
    }
    return std::nullopt;
}

QByteArray Handshake::response() const
{
    QByteArray response = "HTTP/1.1 101 Switching Protocols\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: "
            + accept + "\r\n";
    if (!subprotocol.isEmpty())
        response += "Sec-WebSocket-Protocol: " + subprotocol + "\r\n";
    response += "\r\n";
    return response;
}

} // namespace cortado::websocket
