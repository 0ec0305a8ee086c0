// Every WebSocket text frame a client sends goes through parseEnvelope() first.
#include "fuzzcheck.h"

#include "cortado/protocol.h"

#include <cstdint>

using namespace cortado::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const ParseResult result = parseEnvelope(QByteArrayView(data, qsizetype(size)));

    // An envelope, or an error code to send back: never both, never neither.
    CORTADO_FUZZ_CHECK(result.envelope.has_value() == result.error.code.isEmpty());
    if (!result.envelope) {
        CORTADO_FUZZ_CHECK(!result.error.message.isEmpty());
        CORTADO_FUZZ_CHECK(!encodeSystemError(result.error).isEmpty());
        if (!result.id.isUndefined())
            CORTADO_FUZZ_CHECK(!encodeErrorAck(result.id, result.error).isEmpty());
        return 0;
    }

    const Envelope &envelope = *result.envelope;
    CORTADO_FUZZ_CHECK(isValidEventName(envelope.event));
    CORTADO_FUZZ_CHECK(!envelope.room || isValidRoomName(*envelope.room));
    if (envelope.wantsAck())
        CORTADO_FUZZ_CHECK(!encodeAck(envelope.id, envelope.payload()).isEmpty());

    // What the server relays parses back to the same event and room.
    const ParseResult again = parseEnvelope(encodeEvent(envelope.event, envelope.payload(), envelope.room));
    CORTADO_FUZZ_CHECK(again.envelope);
    CORTADO_FUZZ_CHECK(again.envelope->event == envelope.event);
    CORTADO_FUZZ_CHECK(again.envelope->room == envelope.room);
    return 0;
}
