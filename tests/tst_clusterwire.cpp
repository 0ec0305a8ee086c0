// The cluster bus format (server/cluster/wire.*) and the two-part frames a Redis script numbers:
// what one node writes another reads back exactly, and hostile bytes are refused, not trusted.
#include "cluster/wire.h"

#include <cortado/protocol.h>

#include <QJsonArray>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace cortado;
using namespace cortado::cluster;

class TestClusterWire : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sendRoundTripsEveryScope_data()
    {
        QTest::addColumn<int>("scope");
        QTest::addColumn<QString>("except");
        for (int scope = 0; scope <= int(Target::Scope::Everyone); ++scope) {
            QTest::addRow("scope %d", scope) << scope << QString();
            QTest::addRow("scope %d except", scope) << scope << u"sender-socket"_s;
        }
    }
    void sendRoundTripsEveryScope()
    {
        QFETCH(int, scope);
        QFETCH(QString, except);
        Target target = Target::everyone();
        switch (Target::Scope(scope)) {
        case Target::Scope::Socket: target = Target::socket(u"abc123"_s); break;
        case Target::Scope::Room: target = Target::room(u"/chat"_s, u"lobby ü"_s); break;
        case Target::Scope::Route: target = Target::route(u"/board"_s); break;
        case Target::Scope::Everyone: break;
        }
        if (!except.isEmpty())
            target = target.except(except);
        const QByteArray frame("{\"event\":\"chat:message\",\"payload\":\"a\\u0000\xc3\xa9\"}\0tail", 50);
        const QByteArray bytes = wire::encodeSend("node-a", target, u"chat:message"_s, frame);

        const std::optional<wire::Header> header = wire::readHeader(bytes);
        QVERIFY(header);
        QCOMPARE(header->kind, wire::Kind::Send);
        QCOMPARE(header->origin, QByteArray("node-a"));
        const std::optional<wire::Routed> routed = wire::readRouted(*header, bytes);
        QVERIFY(routed);
        QCOMPARE(int(routed->target.scope()), scope);
        QCOMPARE(routed->target.routePath(), target.routePath());
        QCOMPARE(routed->target.roomName(), target.roomName());
        QCOMPARE(routed->target.socketId(), target.socketId());
        QCOMPARE(routed->target.excluded(), except);
        QCOMPARE(routed->event, u"chat:message"_s);
        QCOMPARE(routed->frame, frame); // bytes, NULs included
    }

    // What the script publishes: the head Cortado wrote, then "<offset>|" and the frame.
    void sequencedCarriesTheScriptsOffset()
    {
        const Target target = Target::room(u"/chat"_s, u"lobby"_s);
        const protocol::FrameParts parts = protocol::encodeEventParts(u"chat:message"_s, QJsonObject{{u"text"_s, u"hi"_s}},
                                                                      {}, u"lobby"_s, u"sock1"_s);
        const QByteArray bytes = wire::encodeSequencedHead("n1", target, u"chat:message"_s, u"sock1"_s) + "42|"
                + parts.withOffset(42);
        const std::optional<wire::Header> header = wire::readHeader(bytes);
        QVERIFY(header);
        QCOMPARE(header->kind, wire::Kind::Sequenced);
        const std::optional<wire::Routed> routed = wire::readRouted(*header, bytes);
        QVERIFY(routed);
        QCOMPARE(routed->offset, 42);
        QCOMPARE(routed->sender, u"sock1"_s);
        QCOMPARE(routed->target.roomName(), u"lobby"_s);
        QCOMPARE(routed->frame, protocol::encodeEvent(u"chat:message"_s, QJsonObject{{u"text"_s, u"hi"_s}},
                                                      u"lobby"_s, u"sock1"_s, 42));

        // Not a room, no digits, a sign, no '|', offset 0: refused.
        for (const QByteArray &bad : {QByteArray("|x"), QByteArray("-1|x"), QByteArray("12"), QByteArray("0|x"),
                                      QByteArray("1a|x"), QByteArray("1234567890123456789|x")}) {
            const QByteArray message = wire::encodeSequencedHead("n1", target, u"e:v"_s, {}) + bad;
            QVERIFY2(!wire::readRouted(*wire::readHeader(message), message), bad.constData());
        }
        const QByteArray notARoom = wire::encodeSequencedHead("n1", Target::route(u"/chat"_s), u"e:v"_s, {}) + "1|{}";
        QVERIFY(!wire::readRouted(*wire::readHeader(notARoom), notARoom));
    }

    // The two parts give exactly the frame a single node writes, for either payload form.
    void framePartsEqualTheOneNodeFrame_data()
    {
        QTest::addColumn<QJsonValue>("payload");
        QTest::addColumn<QString>("from");
        QTest::addRow("object") << QJsonValue(QJsonObject{{u"b"_s, 1}, {u"a"_s, u"ü\n"_s}}) << u"s1"_s;
        QTest::addRow("no payload") << QJsonValue(QJsonValue::Undefined) << u"s1"_s;
        QTest::addRow("no sender") << QJsonValue(QJsonArray{QJsonValue(1), QJsonValue(2.5), QJsonValue(true)}) << QString();
        QTest::addRow("string") << QJsonValue(u"quote \" and \\"_s) << u"x"_s;
    }
    void framePartsEqualTheOneNodeFrame()
    {
        QFETCH(QJsonValue, payload);
        QFETCH(QString, from);
        for (qint64 offset : {qint64(1), qint64(999), qint64(1) << 53}) {
            const QByteArray expected = protocol::encodeEvent(u"chat:message"_s, payload, u"room"_s, from, offset);
            QCOMPARE(protocol::encodeEventParts(u"chat:message"_s, payload, {}, u"room"_s, from).withOffset(offset),
                     expected);
            if (!payload.isUndefined()) {
                const QByteArray json = protocol::toCompactJson(payload);
                QCOMPARE(protocol::encodeEventParts(u"chat:message"_s, {}, json, u"room"_s, from).withOffset(offset),
                         expected);
            }
        }
    }

    void otherKindsCarryTheirBody()
    {
        const QByteArray bytes = wire::encode(wire::Kind::Heartbeat, "n2", "{\"connections\":3}");
        const std::optional<wire::Header> header = wire::readHeader(bytes);
        QVERIFY(header);
        QCOMPARE(header->kind, wire::Kind::Heartbeat);
        QCOMPARE(bytes.sliced(header->bodyAt), QByteArray("{\"connections\":3}"));
        QVERIFY(!wire::readRouted(*header, bytes)); // not a routed kind
    }

    // Every prefix of a valid message, and random bytes, are refused or read within bounds (the
    // sanitizer build would catch a read past the end).
    void truncatedAndRandomInputIsRefused()
    {
        const QByteArray full = wire::encodeSend("node", Target::room(u"/chat"_s, u"r"_s).except(u"s"_s), u"a:b"_s, "{}");
        const qsizetype bodyStart = wire::readHeader(full)->bodyAt;
        for (qsizetype length = 0; length < full.size() - 2; ++length) {
            const QByteArray prefix = full.left(length);
            const std::optional<wire::Header> header = wire::readHeader(prefix);
            if (length < bodyStart) {
                QVERIFY2(!header, qPrintable(QString::number(length)));
                continue;
            }
            QVERIFY(header);
            QVERIFY2(!wire::readRouted(*header, prefix), qPrintable(QString::number(length)));
        }
        QVERIFY(!wire::readHeader("X\x01\x01\x00"));
        QVERIFY(!wire::readHeader(QByteArray("C\x02\x01\x00", 4))); // another version
        QVERIFY(!wire::readHeader(QByteArray("C\x01\x09\x00", 4))); // an unknown kind
        QRandomGenerator random(7);
        for (int round = 0; round < 20'000; ++round) {
            QByteArray bytes(random.bounded(64), Qt::Uninitialized);
            for (char &byte : bytes)
                byte = char(random.bounded(256));
            if (random.bounded(2)) // mostly valid headers, so the bodies get read
                bytes.prepend(QByteArray("C\x01", 2) + char(1 + random.bounded(2)) + char(random.bounded(4)));
            if (const std::optional<wire::Header> header = wire::readHeader(bytes))
                (void)wire::readRouted(*header, bytes);
        }
    }
};

QTEST_GUILESS_MAIN(TestClusterWire)
#include "tst_clusterwire.moc"
