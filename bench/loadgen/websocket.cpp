#include "websocket.h"

#include <array>
#include <cstring>

namespace loadgen::ws {

namespace {

std::uint32_t rotl(std::uint32_t value, int bits)
{
    return (value << bits) | (value >> (32 - bits));
}

char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix)
{
    if (text.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (lower(text[i]) != lower(prefix[i]))
            return false;
    }
    return true;
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

} // namespace

std::string sha1(std::string_view bytes)
{
    std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    std::string message(bytes);
    const std::uint64_t bitLength = std::uint64_t(bytes.size()) * 8;
    message.push_back(char(0x80));
    while (message.size() % 64 != 56)
        message.push_back('\0');
    for (int shift = 56; shift >= 0; shift -= 8)
        message.push_back(char((bitLength >> shift) & 0xFF));
    for (std::size_t block = 0; block < message.size(); block += 64) {
        std::array<std::uint32_t, 80> w{};
        for (int i = 0; i < 16; ++i) {
            const auto *p = reinterpret_cast<const unsigned char *>(message.data() + block + std::size_t(i) * 4);
            w[std::size_t(i)] = std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
        }
        for (std::size_t i = 16; i < 80; ++i)
            w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (std::size_t i = 0; i < 80; ++i) {
            std::uint32_t f = 0, k = 0;
            if (i < 20) {
                f = (b & c) | (~b & d);
                k = 0x5A827999;
            } else if (i < 40) {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1;
            } else if (i < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDC;
            } else {
                f = b ^ c ^ d;
                k = 0xCA62C1D6;
            }
            const std::uint32_t next = rotl(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rotl(b, 30);
            b = a;
            a = next;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
    std::string digest;
    for (std::uint32_t word : h) {
        for (int shift = 24; shift >= 0; shift -= 8)
            digest.push_back(char((word >> shift) & 0xFF));
    }
    return digest;
}

std::string base64(std::string_view bytes)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16
                | std::uint32_t(std::uint8_t(bytes[i + 1])) << 8 | std::uint8_t(bytes[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    if (i + 1 == bytes.size()) {
        const std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        const std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16 | std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string acceptFor(std::string_view key)
{
    std::string input(key);
    input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    return base64(sha1(input));
}

std::string makeKey(std::uint64_t seed)
{
    std::string bytes;
    std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 0; i < 16; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.push_back(char(x & 0xFF));
    }
    return base64(bytes);
}

std::string handshakeRequest(std::string_view host, int port, std::string_view path, std::string_view key)
{
    std::string request = "GET ";
    request += path;
    request += " HTTP/1.1\r\nHost: ";
    request += host;
    request += ':';
    request += std::to_string(port);
    request += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
    request += key;
    request += "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    return request;
}

HandshakeResult parseHandshakeResponse(std::string_view buffer, std::string_view key, std::size_t &headBytes,
                                       std::string &error)
{
    const std::size_t end = buffer.find("\r\n\r\n");
    if (end == std::string_view::npos)
        return HandshakeResult::Incomplete;
    headBytes = end + 4;
    const std::string_view head = buffer.substr(0, end);
    const std::size_t lineEnd = head.find("\r\n");
    const std::string_view status = head.substr(0, lineEnd);
    if (status.size() < 12 || status.substr(0, 5) != "HTTP/" || status.substr(9, 3) != "101") {
        error = std::string(status);
        return HandshakeResult::Refused;
    }
    const std::string expected = acceptFor(key);
    std::size_t position = lineEnd;
    while (position != std::string_view::npos && position < head.size()) {
        position += 2;
        const std::size_t next = head.find("\r\n", position);
        const std::string_view line = head.substr(position, next == std::string_view::npos ? head.npos : next - position);
        if (startsWithNoCase(line, "sec-websocket-accept:")) {
            if (trim(line.substr(21)) == expected)
                return HandshakeResult::Accepted;
            error = "wrong Sec-WebSocket-Accept";
            return HandshakeResult::Refused;
        }
        position = next;
    }
    error = "no Sec-WebSocket-Accept";
    return HandshakeResult::Refused;
}

void appendFrame(std::string &out, Opcode opcode, std::string_view payload, std::uint32_t mask)
{
    out.push_back(char(0x80 | opcode));
    const std::size_t length = payload.size();
    if (length < 126) {
        out.push_back(char(0x80 | length));
    } else if (length <= 0xFFFF) {
        out.push_back(char(0x80 | 126));
        out.push_back(char(length >> 8));
        out.push_back(char(length & 0xFF));
    } else {
        out.push_back(char(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.push_back(char((std::uint64_t(length) >> shift) & 0xFF));
    }
    const char key[4] = {char(mask >> 24), char(mask >> 16), char(mask >> 8), char(mask)};
    out.append(key, 4);
    const std::size_t start = out.size();
    out.append(payload);
    for (std::size_t i = 0; i < length; ++i)
        out[start + i] = char(out[start + i] ^ key[i & 3]);
}

DecodeResult decodeFrame(std::string_view buffer, Frame &frame, std::size_t &consumed, std::string &error,
                         std::uint64_t maxPayload)
{
    if (buffer.size() < 2)
        return DecodeResult::Incomplete;
    const auto b0 = std::uint8_t(buffer[0]), b1 = std::uint8_t(buffer[1]);
    if (b0 & 0x70) {
        error = "reserved bits set";
        return DecodeResult::Error;
    }
    if (b1 & 0x80) {
        error = "masked server frame";
        return DecodeResult::Error;
    }
    const auto opcode = Opcode(b0 & 0x0F);
    const bool control = opcode & 0x08;
    if (!(opcode <= Binary || opcode == Close || opcode == Ping || opcode == Pong)) {
        error = "unknown opcode " + std::to_string(int(opcode));
        return DecodeResult::Error;
    }
    std::size_t header = 2;
    std::uint64_t length = b1 & 0x7F;
    if (length == 126) {
        if (buffer.size() < 4)
            return DecodeResult::Incomplete;
        length = std::uint64_t(std::uint8_t(buffer[2])) << 8 | std::uint8_t(buffer[3]);
        header = 4;
    } else if (length == 127) {
        if (buffer.size() < 10)
            return DecodeResult::Incomplete;
        length = 0;
        for (int i = 2; i < 10; ++i)
            length = length << 8 | std::uint8_t(buffer[std::size_t(i)]);
        header = 10;
        if (length >> 63) {
            error = "64-bit length with the top bit set";
            return DecodeResult::Error;
        }
    }
    if (control && (!(b0 & 0x80) || length > 125)) {
        error = "fragmented or oversized control frame";
        return DecodeResult::Error;
    }
    if (length > maxPayload) {
        error = "frame of " + std::to_string(length) + " bytes";
        return DecodeResult::Error;
    }
    if (buffer.size() - header < length)
        return DecodeResult::Incomplete;
    frame.fin = b0 & 0x80;
    frame.opcode = opcode;
    frame.payload = buffer.substr(header, std::size_t(length));
    consumed = header + std::size_t(length);
    return DecodeResult::Frame;
}

} // namespace loadgen::ws
