#include "messages.h"

namespace loadgen {

std::string_view jsonField(std::string_view json, std::string_view key)
{
    std::string pattern = "\"";
    pattern += key;
    pattern += "\":";
    const std::size_t at = json.find(pattern);
    if (at == std::string_view::npos)
        return {};
    std::size_t i = at + pattern.size();
    while (i < json.size() && json[i] == ' ')
        ++i;
    if (i >= json.size())
        return {};
    if (json[i] == '"') {
        std::size_t end = i + 1;
        while (end < json.size() && json[end] != '"')
            end += json[end] == '\\' ? 2 : 1;
        return end < json.size() ? json.substr(i + 1, end - i - 1) : std::string_view{};
    }
    if (json[i] == '{' || json[i] == '[') {
        int depth = 0;
        bool inString = false;
        for (std::size_t end = i; end < json.size(); ++end) {
            const char c = json[end];
            if (inString) {
                if (c == '\\')
                    ++end;
                else if (c == '"')
                    inString = false;
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                return json.substr(i, end - i + 1);
            }
        }
        return {};
    }
    std::size_t end = i;
    while (end < json.size() && json[end] != ',' && json[end] != '}' && json[end] != ']' && json[end] != ' ')
        ++end;
    return json.substr(i, end - i);
}

std::optional<std::int64_t> toInt(std::string_view digits)
{
    if (digits.empty())
        return std::nullopt;
    bool negative = false;
    if (digits.front() == '-') {
        negative = true;
        digits.remove_prefix(1);
    }
    if (digits.empty())
        return std::nullopt;
    std::int64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return negative ? -value : value;
}

std::string joinMessage(Flavour flavour, std::string_view room, std::uint64_t id)
{
    std::string out;
    if (flavour == Flavour::SocketIo) {
        out = "42" + std::to_string(id) + "[\"room:join\",\"";
        out += room;
        out += "\"]";
    } else {
        out = "{\"event\":\"room:join\",\"room\":\"";
        out += room;
        out += "\",\"id\":" + std::to_string(id) + "}";
    }
    return out;
}

std::string chatMessage(Flavour flavour, std::string_view room, std::uint64_t id, std::int64_t seq)
{
    // A chat-sized text: the frame the servers fan out is ~150 bytes.
    const std::string payload = "{\"seq\":" + std::to_string(seq) + ",\"text\":\"hello, this is a benchmark message\"}";
    std::string out;
    if (flavour == Flavour::SocketIo) {
        out = "42" + std::to_string(id) + "[\"chat:send\",\"";
        out += room;
        out += "\"," + payload + "]";
    } else {
        out = "{\"event\":\"chat:send\",\"room\":\"";
        out += room;
        out += "\",\"payload\":" + payload + ",\"id\":" + std::to_string(id) + "}";
    }
    return out;
}

Incoming classify(Flavour flavour, std::string_view text)
{
    Incoming in;
    if (flavour == Flavour::SocketIo) {
        if (text.empty())
            return in;
        switch (text[0]) {
        case '0':
            in.kind = Incoming::EngineOpen;
            return in;
        case '1':
            in.kind = Incoming::Error;
            return in;
        case '2':
            in.kind = Incoming::Ping;
            return in;
        case '4':
            break;
        default:
            return in;
        }
        if (text.size() < 2)
            return in;
        const char type = text[1];
        if (type == '0') {
            in.kind = Incoming::Connected;
        } else if (type == '4') {
            in.kind = Incoming::Error;
        } else if (type == '2') {
            if (text.substr(2, 16) == "[\"chat:message\",") {
                in.kind = Incoming::Chat;
                in.seq = toInt(jsonField(text, "seq")).value_or(-1);
            }
        } else if (type == '3') {
            std::size_t i = 2;
            while (i < text.size() && text[i] >= '0' && text[i] <= '9')
                ++i;
            in.kind = Incoming::Ack;
            in.id = std::uint64_t(toInt(text.substr(2, i - 2)).value_or(0));
            in.ok = text.substr(i, 10) != "[{\"error\":";
        }
        return in;
    }
    const std::string_view event = jsonField(text, "event");
    if (event == "chat:message") {
        in.kind = Incoming::Chat;
        in.seq = toInt(jsonField(text, "seq")).value_or(-1);
    } else if (event == "ack") {
        in.kind = Incoming::Ack;
        in.id = std::uint64_t(toInt(jsonField(text, "id")).value_or(0));
        in.ok = jsonField(text, "ok") == "true";
    }
    return in;
}

} // namespace loadgen
