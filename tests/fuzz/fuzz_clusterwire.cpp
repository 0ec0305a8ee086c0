// The cluster bus (server/cluster/wire.*): every node reads what any client of the shared Redis may
// publish on it. Input: one bus message. A message that reads back must encode to bytes that read
// back the same (Send), and reading never goes past the input (ASan in the fuzz build).
#include "fuzzcheck.h"

#include "cluster/wire.h"

#include <cstdint>

using namespace cortado;
using namespace cortado::cluster;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(data, qsizetype(size));
    const std::optional<wire::Header> header = wire::readHeader(input);
    if (!header)
        return 0;
    CORTADO_FUZZ_CHECK(header->bodyAt <= input.size());
    const std::optional<wire::Routed> routed = wire::readRouted(*header, input);
    if (!routed)
        return 0;
    CORTADO_FUZZ_CHECK(header->kind == wire::Kind::Send || header->kind == wire::Kind::Sequenced);
    CORTADO_FUZZ_CHECK(header->kind == wire::Kind::Send || routed->offset > 0);
    if (header->kind == wire::Kind::Send && header->origin.size() <= 255) {
        const QByteArray again = wire::encodeSend(header->origin, routed->target, routed->event, routed->frame);
        const std::optional<wire::Header> header2 = wire::readHeader(again);
        CORTADO_FUZZ_CHECK(header2 && header2->origin == header->origin);
        const std::optional<wire::Routed> routed2 = wire::readRouted(*header2, again);
        CORTADO_FUZZ_CHECK(routed2 && routed2->frame == routed->frame && routed2->event == routed->event);
        CORTADO_FUZZ_CHECK(routed2->target.scope() == routed->target.scope());
        CORTADO_FUZZ_CHECK(routed2->target.excluded() == routed->target.excluded());
    }
    return 0;
}
