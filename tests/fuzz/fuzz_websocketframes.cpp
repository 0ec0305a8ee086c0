// Every byte a WebSocket client sends after the handshake goes through FrameDecoder first.
#include "fuzzcheck.h"

#include "transport/websocketcodec.h"

#include <QStringDecoder>

#include <cstdint>

using namespace cortado::websocket;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // Small limits so that the fuzzer reaches them; the input fed in two pieces, split by its
    // first byte, so partial frames are exercised too.
    const DecoderLimits limits{1024, 8};
    FrameDecoder decoder(limits);
    const QByteArrayView input(data, qsizetype(size));
    const qsizetype split = size ? qsizetype(data[0]) % qsizetype(size) : 0;
    for (const QByteArrayView piece : {input.first(split), input.sliced(split)}) {
        decoder.append(piece);
        for (;;) {
            const DecodedFrame frame = decoder.next();
            // Memory stays bounded by the limits whatever the bytes say.
            CORTADO_FUZZ_CHECK(decoder.bufferedBytes() <= qsizetype(size));
            if (frame.kind == DecodedFrame::Kind::NeedMore)
                break;
            if (frame.kind == DecodedFrame::Kind::Error) {
                CORTADO_FUZZ_CHECK(frame.code == closecode::ProtocolError || frame.code == closecode::InvalidPayload
                                   || frame.code == closecode::PolicyViolation
                                   || frame.code == closecode::MessageTooBig);
                return 0; // the connection is closed here
            }
            if (frame.kind == DecodedFrame::Kind::Text) {
                CORTADO_FUZZ_CHECK(frame.payload.size() <= limits.maxMessageSize);
                QStringDecoder utf8(QStringDecoder::Utf8);
                [[maybe_unused]] const QString text = utf8(frame.payload);
                CORTADO_FUZZ_CHECK(!utf8.hasError());
            }
            if (frame.kind == DecodedFrame::Kind::Binary)
                CORTADO_FUZZ_CHECK(frame.payload.size() <= limits.maxMessageSize);
            if (frame.kind == DecodedFrame::Kind::Ping || frame.kind == DecodedFrame::Kind::Pong)
                CORTADO_FUZZ_CHECK(frame.payload.size() <= MaxControlPayload);
        }
    }
    return 0;
}
