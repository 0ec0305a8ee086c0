// The benchmark's load generator (bench/loadgen) must not rot between benchmark runs: its RFC 6455
// client codec and message reading against known bytes, and one tiny run against a real server.
#include "messages.h"
#include "serverprocess.h"
#include "websocket.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace Qt::StringLiterals;
using namespace loadgen;

class tst_Loadgen : public QObject
{
    Q_OBJECT

private:
    static std::string unmask(std::string_view frame, std::size_t header)
    {
        std::string payload(frame.substr(header + 4));
        for (std::size_t i = 0; i < payload.size(); ++i)
            payload[i] = char(payload[i] ^ frame[header + (i & 3)]);
        return payload;
    }

private Q_SLOTS:
    void acceptValueIsTheRfcExample()
    {
        // RFC 6455 section 1.3.
        QCOMPARE(ws::acceptFor("dGhlIHNhbXBsZSBub25jZQ=="), std::string("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        QCOMPARE(ws::base64("ab"), std::string("YWI="));
        QCOMPARE(ws::makeKey(1).size(), std::size_t(24)); // 16 bytes
    }

    void handshakeResponseIsChecked()
    {
        const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
        std::size_t head = 0;
        std::string error;
        const std::string good = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02hi";
        QCOMPARE(ws::parseHandshakeResponse(good, key, head, error), ws::HandshakeResult::Accepted);
        QCOMPARE(good.substr(head), std::string("\x81\x02hi"));
        QCOMPARE(ws::parseHandshakeResponse(good.substr(0, 40), key, head, error), ws::HandshakeResult::Incomplete);
        QCOMPARE(ws::parseHandshakeResponse("HTTP/1.1 429 Too Many Requests\r\n\r\n", key, head, error),
                 ws::HandshakeResult::Refused);
        QCOMPARE(error, std::string("HTTP/1.1 429 Too Many Requests"));
        QCOMPARE(ws::parseHandshakeResponse("HTTP/1.1 101 OK\r\nSec-WebSocket-Accept: nope\r\n\r\n", key, head, error),
                 ws::HandshakeResult::Refused);
    }

    void clientFramesAreMaskedWithEachLengthForm_data()
    {
        QTest::addColumn<int>("length");
        QTest::addColumn<int>("header");
        QTest::newRow("7-bit") << 125 << 2;
        QTest::newRow("16-bit") << 126 << 4;
        QTest::newRow("16-bit max") << 65535 << 4;
        QTest::newRow("64-bit") << 65536 << 10;
    }
    void clientFramesAreMaskedWithEachLengthForm()
    {
        QFETCH(int, length);
        QFETCH(int, header);
        std::string payload(std::size_t(length), 'x');
        payload[0] = 'a';
        std::string out;
        ws::appendFrame(out, ws::Text, payload, 0xA1B2C3D4);
        QCOMPARE(out.size(), std::size_t(header + 4 + length));
        QCOMPARE(std::uint8_t(out[0]), std::uint8_t(0x81)); // FIN, text
        QVERIFY(std::uint8_t(out[1]) & 0x80);               // masked
        QCOMPARE(std::uint8_t(out[std::size_t(header)]), std::uint8_t(0xA1));
        QCOMPARE(unmask(out, std::size_t(header)), payload);
    }

    void serverFramesDecode_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("result"); // DecodeResult
        QTest::addColumn<int>("payloadSize");
        QTest::newRow("text") << QByteArray("\x81\x03" "abc", 5) << int(ws::DecodeResult::Frame) << 3;
        QTest::newRow("incomplete payload") << QByteArray("\x81\x03" "ab", 4) << int(ws::DecodeResult::Incomplete) << 0;
        QTest::newRow("incomplete 16-bit length") << QByteArray("\x81\x7e\x01", 3) << int(ws::DecodeResult::Incomplete) << 0;
        QTest::newRow("16-bit") << (QByteArray("\x81\x7e\x01\x00", 4) + QByteArray(256, 'y')) << int(ws::DecodeResult::Frame) << 256;
        QTest::newRow("64-bit") << (QByteArray("\x81\x7f\0\0\0\0\0\x01\0\0", 10) + QByteArray(65536, 'z'))
                                << int(ws::DecodeResult::Frame) << 65536;
        QTest::newRow("masked server frame") << QByteArray("\x81\x81\0\0\0\0a", 7) << int(ws::DecodeResult::Error) << 0;
        QTest::newRow("reserved bit") << QByteArray("\xc1\x01" "a", 3) << int(ws::DecodeResult::Error) << 0;
        QTest::newRow("fragmented ping") << QByteArray("\x09\x00", 2) << int(ws::DecodeResult::Error) << 0;
        QTest::newRow("unknown opcode") << QByteArray("\x83\x00", 2) << int(ws::DecodeResult::Error) << 0;
    }
    void serverFramesDecode()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, result);
        QFETCH(int, payloadSize);
        ws::Frame frame;
        std::size_t consumed = 0;
        std::string error;
        QCOMPARE(int(ws::decodeFrame(std::string_view(bytes.constData(), std::size_t(bytes.size())), frame, consumed, error)),
                 result);
        if (result == int(ws::DecodeResult::Frame)) {
            QCOMPARE(consumed, std::size_t(bytes.size()));
            QCOMPARE(frame.payload.size(), std::size_t(payloadSize));
        }
        if (result == int(ws::DecodeResult::Error))
            QVERIFY(!error.empty());
    }

    void messagesOfBothFlavours()
    {
        QCOMPARE(joinMessage(Flavour::Cortado, "lobby", 3), std::string(R"({"event":"room:join","room":"lobby","id":3})"));
        QCOMPARE(joinMessage(Flavour::SocketIo, "lobby", 3), std::string(R"(423["room:join","lobby"])"));
        QVERIFY(chatMessage(Flavour::SocketIo, "r", 7, 42).starts_with(R"(427["chat:send","r",{"seq":42,)"));

        Incoming chat = classify(Flavour::Cortado, R"({"event":"chat:message","from":"x","payload":{"seq":17,"text":"a"},"room":"r"})");
        QCOMPARE(chat.kind, Incoming::Chat);
        QCOMPARE(chat.seq, 17);
        Incoming ack = classify(Flavour::Cortado, R"({"event":"ack","id":9,"ok":true,"payload":{"delivered":2}})");
        QCOMPARE(ack.kind, Incoming::Ack);
        QCOMPARE(ack.id, 9u);
        QVERIFY(ack.ok);
        QVERIFY(!classify(Flavour::Cortado, R"({"event":"ack","id":9,"ok":false,"error":{}})").ok);
        QCOMPARE(classify(Flavour::Cortado, R"({"event":"presence:diff","payload":{"joins":[{"id":"g"}],"leaves":[],"updates":[]}})").kind, Incoming::Other);

        chat = classify(Flavour::SocketIo, R"(42["chat:message",{"room":"r","payload":{"seq":5,"text":"a"},"from":"x"}])");
        QCOMPARE(chat.kind, Incoming::Chat);
        QCOMPARE(chat.seq, 5);
        ack = classify(Flavour::SocketIo, R"(4312[{"delivered":3}])");
        QCOMPARE(ack.kind, Incoming::Ack);
        QCOMPARE(ack.id, 12u);
        QVERIFY(ack.ok);
        QVERIFY(!classify(Flavour::SocketIo, R"(4312[{"error":{"code":"not_in_room"}}])").ok);
        QCOMPARE(classify(Flavour::SocketIo, R"(0{"sid":"a","upgrades":[]})").kind, Incoming::EngineOpen);
        QCOMPARE(classify(Flavour::SocketIo, R"(40{"sid":"b"})").kind, Incoming::Connected);
        QCOMPARE(classify(Flavour::SocketIo, "2").kind, Incoming::Ping);
    }

    // A tiny run of two scenarios against the real cortado-server: every connection joins, messages
    // come back, and the figures read from /proc are plausible.
    void smokeRunAgainstCortado()
    {
        QTemporaryDir data;
        ServerProcess server;
        QVERIFY(server.start({u"--port"_s, u"0"_s},
                             ServerProcess::withoutRateLimits(ServerProcess::environment(data.path()))));
        auto run = [&](const QStringList &arguments) {
            QProcess loadgen;
            loadgen.start(QStringLiteral(CORTADO_LOADGEN_BINARY),
                          QStringList{u"--url"_s, server.ws(u"/chat"_s).toString(), u"--server-pid"_s,
                                      QString::number(server.process.processId()), u"--label"_s, u"cortado"_s,
                                      u"--warmup"_s, u"0.2"_s, u"--duration"_s, u"0.5"_s}
                                  + arguments);
            if (!loadgen.waitForFinished(30000) || loadgen.exitCode() != 0)
                qWarning().noquote() << loadgen.readAllStandardError();
            return QString::fromUtf8(loadgen.readAllStandardOutput());
        };
        auto field = [](const QString &line, const QString &key) {
            return QRegularExpression(u"\\b"_s + key + u"=([0-9.]+)"_s).match(line).captured(1).toDouble();
        };

        const QString echo = run({u"--scenario"_s, u"echo"_s, u"--connections"_s, u"4"_s});
        QVERIFY2(echo.startsWith(u"result server=cortado scenario=echo "_s), qPrintable(echo));
        QVERIFY2(field(echo, u"requests_per_s"_s) > 10, qPrintable(echo));
        QVERIFY2(field(echo, u"p50_ms"_s) > 0, qPrintable(echo));

        const QString fanout = run({u"--scenario"_s, u"fanout"_s, u"--members"_s, u"20"_s, u"--windows"_s, u"2"_s});
        QVERIFY2(fanout.contains(u"scenario=fanout2 members=20 window=2 "_s), qPrintable(fanout));
        QVERIFY2(field(fanout, u"deliveries_per_s"_s) > 100, qPrintable(fanout));
        // The server did work in the window, and /proc said how much.
        QVERIFY2(field(fanout, u"cpu_us_per_1000"_s) > 0, qPrintable(fanout));
        QVERIFY2(field(fanout, u"delivery_p50_ms"_s) > 0, qPrintable(fanout));
        QVERIFY2(field(fanout, u"delivery_p99_ms"_s) >= field(fanout, u"delivery_p50_ms"_s), qPrintable(fanout));

        // --watch (a cluster's other nodes, redis-server): a watched process's CPU is reported by
        // name and counts in the total. Here the server watched as "again": counted twice.
        const QString watched = run({u"--scenario"_s, u"fanout"_s, u"--members"_s, u"20"_s, u"--windows"_s, u"2"_s,
                                     u"--watch"_s, u"again="_s + QString::number(server.process.processId())});
        const double total = field(watched, u"cpu_us_per_1000"_s), again = field(watched, u"cpu_us_per_1000_again"_s);
        QVERIFY2(again > 0, qPrintable(watched));
        QVERIFY2(std::abs(total - 2 * again) <= 0.05 * total + 2, qPrintable(watched));
    }

    // Several --url (a cluster's nodes): connections go to each in turn, seen from the kernel's side
    // as in the test below; --rooms puts connection i in room-<i % N>, which a REST broadcast
    // (--scenario broadcast) to the first rooms proves by how many it reached; --await-broadcast
    // waits until every connection has it and says when the last one did.
    void severalUrlsRoomsAndABroadcast()
    {
        QTemporaryDir data;
        const QProcessEnvironment environment = ServerProcess::withoutRateLimits(ServerProcess::environment(data.path()));
        ServerProcess server;
        QVERIFY(server.start({u"--host"_s, u"0.0.0.0"_s, u"--port"_s, u"0"_s}, environment));
        const int port = server.url.port();
        QProcess members;
        members.start(QStringLiteral(CORTADO_LOADGEN_BINARY),
                      {u"--url"_s, u"ws://127.0.0.2:%1/chat,ws://127.0.0.3:%1/chat"_s.arg(port), u"--label"_s,
                       u"cortado"_s, u"--scenario"_s, u"many"_s, u"--connections"_s, u"6"_s, u"--rooms"_s, u"3"_s,
                       u"--await-broadcast"_s, u"30"_s});
        QString out;
        while (!out.contains(u'\n') && members.waitForReadyRead(30000))
            out += QString::fromUtf8(members.readAllStandardOutput());
        QVERIFY2(out.startsWith(u"result server=cortado scenario=many connections=6 "_s),
                 qPrintable(out + QString::fromUtf8(members.readAllStandardError())));
        QVERIFY2(out.contains(u" rooms=3 urls=2 "_s), qPrintable(out));

        QFile tcp(u"/proc/net/tcp"_s);
        QVERIFY(tcp.open(QIODevice::ReadOnly));
        QStringList destinations; // the local address of each socket the server accepted
        for (const QByteArray &line : tcp.readAll().split('\n')) {
            const QList<QByteArray> fields = line.simplified().split(' ');
            if (fields.size() >= 4 && fields[3] == "01" && fields[1].mid(9).toInt(nullptr, 16) == port)
                destinations << QString::number(fields[1].left(8).toUInt(nullptr, 16) >> 24);
        }
        destinations.sort();
        QCOMPARE(destinations, QStringList({u"2"_s, u"2"_s, u"2"_s, u"3"_s, u"3"_s, u"3"_s}));

        const QString token = QString::fromUtf8(ServerProcess::token(environment, u"bench"_s, {u"publisher"_s}));
        QVERIFY(!token.isEmpty());
        auto broadcast = [&](int rooms) {
            QProcess sender;
            sender.start(QStringLiteral(CORTADO_LOADGEN_BINARY),
                         {u"--url"_s, u"ws://127.0.0.1:%1/chat"_s.arg(port), u"--label"_s, u"cortado"_s, u"--scenario"_s,
                          u"broadcast"_s, u"--rooms"_s, QString::number(rooms), u"--token"_s, token});
            if (!sender.waitForFinished(10000) || sender.exitCode() != 0)
                qWarning().noquote() << sender.readAllStandardError();
            return QString::fromUtf8(sender.readAllStandardOutput());
        };
        // room-0 holds connections 0 and 3 only.
        const QString first = broadcast(1);
        QVERIFY2(first.startsWith(u"result server=cortado scenario=broadcast rooms=1 "_s), qPrintable(first));
        QVERIFY2(first.contains(u" delivered_here=2"_s), qPrintable(first));
        const QString all = broadcast(3);
        QVERIFY2(all.contains(u" delivered_here=6"_s), qPrintable(all));

        QVERIFY(members.waitForFinished(30000));
        out += QString::fromUtf8(members.readAllStandardOutput());
        QCOMPARE(members.exitCode(), 0);
        const QString received = out.section(u'\n', 1, 1);
        QVERIFY2(received.startsWith(u"result server=cortado scenario=broadcast-received connections=6 received=6 "_s),
                 qPrintable(out));
        QVERIFY2(QRegularExpression(u" last_ms=[0-9.]+$"_s).match(received).hasMatch(), qPrintable(received));
    }

    // --addresses and --source-addresses (how ./scripts/bench --scenarios many gets past one address
    // pair's ephemeral ports): checked from the kernel's side, not the load generator's word. The
    // server listens on 0.0.0.0; while the load generator holds its connections (--hold), the
    // established sockets on the server's port in /proc/net/tcp show which address each came to
    // (local) and from (remote).
    void connectionsSpreadOverSeveralAddresses()
    {
        QTemporaryDir data;
        ServerProcess server;
        QVERIFY(server.start({u"--host"_s, u"0.0.0.0"_s, u"--port"_s, u"0"_s},
                             ServerProcess::withoutRateLimits(ServerProcess::environment(data.path()))));
        const int port = server.url.port();
        QProcess loadgen;
        loadgen.start(QStringLiteral(CORTADO_LOADGEN_BINARY),
                      {u"--url"_s, u"ws://127.0.0.1:%1/chat"_s.arg(port), u"--server-pid"_s,
                       QString::number(server.process.processId()), u"--label"_s, u"cortado"_s,
                       u"--scenario"_s, u"many"_s, u"--connections"_s, u"6"_s, u"--room-size"_s, u"3"_s,
                       u"--addresses"_s, u"127.0.0.2,127.0.0.3,127.0.0.4"_s,
                       u"--source-addresses"_s, u"127.0.0.5,127.0.0.6"_s, u"--hold"_s, u"60"_s});
        // The result line comes once every connection has joined; they stay open for --hold.
        QString result;
        while (!result.contains(u'\n') && loadgen.waitForReadyRead(30000))
            result += QString::fromUtf8(loadgen.readAllStandardOutput());
        QVERIFY2(result.startsWith(u"result server=cortado scenario=many connections=6 room_size=3 addresses=3 "_s),
                 qPrintable(result + QString::fromUtf8(loadgen.readAllStandardError())));
        QVERIFY2(result.contains(u" server_file_limit="_s), qPrintable(result));

        QFile tcp(u"/proc/net/tcp"_s);
        QVERIFY(tcp.open(QIODevice::ReadOnly));
        auto address = [](const QByteArray &hex) { // "0200007F:2332" → 127.0.0.2 (bytes in memory order)
            const quint32 value = hex.left(8).toUInt(nullptr, 16);
            return u"%1.%2.%3.%4"_s.arg(value & 0xff).arg((value >> 8) & 0xff).arg((value >> 16) & 0xff).arg(value >> 24);
        };
        QStringList pairs; // "to <- from" of each connection the server accepted
        for (const QByteArray &line : tcp.readAll().split('\n')) {
            const QList<QByteArray> fields = line.simplified().split(' ');
            if (fields.size() < 4 || fields[3] != "01") // ESTABLISHED
                continue;
            if (fields[1].mid(9).toInt(nullptr, 16) == port)
                pairs << address(fields[1]) + u" <- "_s + address(fields[2]);
        }
        loadgen.kill();
        loadgen.waitForFinished();
        pairs.sort();
        // Each destination once from each source: 3 × 2 distinct address pairs for 6 connections.
        QCOMPARE(pairs, QStringList({u"127.0.0.2 <- 127.0.0.5"_s, u"127.0.0.2 <- 127.0.0.6"_s,
                                     u"127.0.0.3 <- 127.0.0.5"_s, u"127.0.0.3 <- 127.0.0.6"_s,
                                     u"127.0.0.4 <- 127.0.0.5"_s, u"127.0.0.4 <- 127.0.0.6"_s}));
    }

    // A typo in an address list (or another option) is a clear error before any connection, not a
    // silent fallback.
    void badAddressListsAreRefused_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("not an address") << QStringList{u"--addresses"_s, u"127.0.0.2,127.0.0.x"_s}
                                        << u"--addresses: each address must be an IPv4 address, not 127.0.0.x"_s;
        QTest::newRow("empty list") << QStringList{u"--addresses"_s, u","_s}
                                    << u"--addresses needs at least one IPv4 address"_s;
        QTest::newRow("bad source") << QStringList{u"--source-addresses"_s, u"localhost"_s}
                                    << u"--source-addresses: each address must be an IPv4 address, not localhost"_s;
        QTest::newRow("urls of two paths") << QStringList{u"--url"_s, u"ws://127.0.0.1:9/chat,ws://127.0.0.1:9/board"_s}
                                           << u"--url: every URL must have the same path"_s;
        QTest::newRow("addresses with two urls")
                << QStringList{u"--url"_s, u"ws://127.0.0.1:9/chat,ws://127.0.0.1:10/chat"_s, u"--addresses"_s, u"127.0.0.2"_s}
                << u"--addresses needs a single --url"_s;
        QTest::newRow("watch without a pid") << QStringList{u"--watch"_s, u"n1"_s}
                                             << u"--watch: each entry must be NAME=PID, not n1"_s;
        QTest::newRow("broadcast without a token") << QStringList{u"--scenario"_s, u"broadcast"_s, u"--rooms"_s, u"2"_s}
                                                   << u"broadcast needs --rooms N and --token T"_s;
    }
    void badAddressListsAreRefused()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        QProcess loadgen;
        // Port 9 (discard): nothing may be connected to before the error anyway.
        loadgen.start(QStringLiteral(CORTADO_LOADGEN_BINARY),
                      QStringList{u"--url"_s, u"ws://127.0.0.1:9/chat"_s, u"--scenario"_s, u"many"_s,
                                  u"--connections"_s, u"1"_s} + arguments);
        QVERIFY(loadgen.waitForFinished(10000));
        QCOMPARE(loadgen.exitCode(), 1);
        QVERIFY2(QString::fromUtf8(loadgen.readAllStandardError()).contains(message),
                 qPrintable(message));
    }
};

QTEST_GUILESS_MAIN(tst_Loadgen)
#include "tst_loadgen.moc"
