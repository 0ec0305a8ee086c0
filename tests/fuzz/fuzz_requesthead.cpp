// The gateway parses the head of every connection's first request before anything else runs.
#include "fuzzcheck.h"

#include "routing/routepath.h"
#include "transport/gateway.h"

#include <cstdint>

using namespace Qt::StringLiterals;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cortado::RequestHead head;
    if (!cortado::parseHead(QByteArrayView(data, qsizetype(size)), &head))
        return 0;

    CORTADO_FUZZ_CHECK(!head.method.isEmpty());
    CORTADO_FUZZ_CHECK(head.target.startsWith('/'));
    for (const auto &[name, value] : head.headers) {
        CORTADO_FUZZ_CHECK(!name.isEmpty());
        CORTADO_FUZZ_CHECK(name.trimmed() == name); // "Host : x" is no Host header
    }

    // What the gateway does next with a head it accepted.
    const cortado::Request request = head.toRequest(u"127.0.0.1"_s);
    CORTADO_FUZZ_CHECK(request.isWebSocketUpgrade == head.isWebSocketUpgrade());
    bool hasLength = false;
    (void)head.header("content-length").toLongLong(&hasLength);
    (void)cortado::RoutePath::splitRequestPath(request.path);
    (void)request.query.queryItems(QUrl::FullyDecoded);
    return 0;
}
