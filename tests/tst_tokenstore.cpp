// The console's saved servers and tokens. The tokens go to a real Secret Service: ctest runs this in a
// private D-Bus session with its own gnome-keyring-daemon and HOME (tests/support/with-keyring.sh),
// so no real keyring is touched. `withoutAKeychain` runs as its own ctest entry with no session bus
// at all: libsecret keeps the first bus it finds, so it cannot share a process with the others.
#include "consolesettings.h"
#include "tokenstore.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

const QString Token = u"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMifQ.c2lnbmF0dXJl"_s;

// Every byte the console wrote under `dir`, to look for the token in.
QByteArray everythingWritten(const QString &dir)
{
    QByteArray all;
    QDirIterator files(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        QFile file(files.next());
        if (file.open(QIODevice::ReadOnly))
            all += file.readAll();
    }
    return all;
}

// Reads `url`'s token through a fresh store, as the next start of the console would.
QString readBack(const QString &dir, const QString &service, const QString &url, QString *error = nullptr)
{
    TokenStore store(dir);
    store.setService(service);
    QString token, why;
    bool done = false;
    store.readToken(url, &store, [&](const QString &t, const QString &e) {
        token = t;
        why = e;
        done = true;
    });
    if (!QTest::qWaitFor([&] { return done; }, 10000))
        why = u"timed out"_s;
    if (error)
        *error = why;
    return token;
}

} // namespace

class tst_TokenStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tokenGoesToTheKeychainNotAFile();
    void savedServersMostRecentFirstAndBounded();
    void forgettingDeletesTheToken();
    void theOldSealedTokenIsDropped();
    void withoutAKeychain();

private:
    // A service name of this run's own, so runs never see each other's entries.
    const QString m_service = u"cortado-console-test-%1"_s.arg(QCoreApplication::applicationPid());
};

void tst_TokenStore::tokenGoesToTheKeychainNotAFile()
{
    QTemporaryDir dir;
    TokenStore store(dir.path());
    store.setService(m_service);
    ConsoleSettings settings(store, {}, {});
    QSignalSpy remembered(&settings, &ConsoleSettings::remembered);
    settings.remember(u"ws://127.0.0.1:8080"_s, Token, u"local"_s);
    QVERIFY(remembered.wait(10000));
    QCOMPARE(remembered.first().at(1).toBool(), true); // stored in the keychain
    QVERIFY2(settings.keychainStatus().contains("keychain"_L1), qPrintable(settings.keychainStatus()));

    QVERIFY(!everythingWritten(dir.path()).contains(Token.toUtf8()));
    QVERIFY(!everythingWritten(dir.path()).contains(Token.left(20).toUtf8()));
    QString error;
    QCOMPARE(readBack(dir.path(), m_service, u"ws://127.0.0.1:8080"_s, &error), Token);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    // The next start: the last server is shown, and its token comes from the keychain.
    TokenStore again(dir.path());
    again.setService(m_service);
    ConsoleSettings next(again, {}, {});
    QCOMPARE(next.url(), u"ws://127.0.0.1:8080"_s);
    QCOMPARE(next.servers().first().toMap().value(u"name"_s).toString(), u"local"_s);
    QSignalSpy loaded(&next, &ConsoleSettings::tokenLoaded);
    next.loadToken(next.url());
    QVERIFY(loaded.wait(10000));
    QCOMPARE(loaded.first().at(1).toString(), Token);
    QCOMPARE(next.token(), Token);
}

void tst_TokenStore::savedServersMostRecentFirstAndBounded()
{
    QTemporaryDir dir;
    TokenStore store(dir.path());
    store.setService(m_service);
    store.rememberServer(u"ws://a:1"_s, u"staging"_s);
    store.rememberServer(u"ws://b:2"_s);
    QCOMPARE(store.servers().size(), 2);
    QCOMPARE(store.servers().first().url, u"ws://b:2"_s);
    QCOMPARE(store.servers().first().name, u"ws://b:2"_s); // no name: the URL
    store.rememberServer(u"ws://a:1"_s); // used again: first, its name kept
    QCOMPARE(store.servers().first().url, u"ws://a:1"_s);
    QCOMPARE(store.servers().first().name, u"staging"_s);
    QCOMPARE(store.lastUrl(), u"ws://a:1"_s);

    for (int i = 0; i < TokenStore::MaxServers + 5; ++i)
        store.rememberServer(u"ws://host-%1:8080"_s.arg(i));
    QCOMPARE(store.servers().size(), TokenStore::MaxServers);
    QCOMPARE(store.servers().first().url, u"ws://host-%1:8080"_s.arg(TokenStore::MaxServers + 4));
}

void tst_TokenStore::forgettingDeletesTheToken()
{
    QTemporaryDir dir;
    TokenStore store(dir.path());
    store.setService(m_service);
    ConsoleSettings settings(store, {}, {});
    QSignalSpy remembered(&settings, &ConsoleSettings::remembered);
    settings.remember(u"ws://forget.me:8080"_s, Token);
    QVERIFY(remembered.wait(10000));
    QCOMPARE(readBack(dir.path(), m_service, u"ws://forget.me:8080"_s), Token);

    settings.forget(u"ws://forget.me:8080"_s);
    QVERIFY(settings.servers().isEmpty());
    QTRY_VERIFY(!settings.keychainBusy());
    QString error;
    QCOMPARE(readBack(dir.path(), m_service, u"ws://forget.me:8080"_s, &error), QString());
    QVERIFY2(error.isEmpty(), qPrintable(error)); // gone, not unreadable
}

// The first console sealed the token beside a key file in its settings folder: both are removed,
// the server is kept.
void tst_TokenStore::theOldSealedTokenIsDropped()
{
    QTemporaryDir dir;
    {
        QSettings old(QDir(dir.path()).filePath(u"console.ini"_s), QSettings::IniFormat);
        old.setValue(u"url"_s, u"ws://old:8080"_s);
        old.setValue(u"token"_s, u"c2VhbGVk"_s);
    }
    QFile key(QDir(dir.path()).filePath(u"console.key"_s));
    QVERIFY(key.open(QIODevice::WriteOnly));
    key.write(QByteArray(32, 'k'));
    key.close();

    TokenStore store(dir.path());
    QVERIFY(!QFile::exists(key.fileName()));
    QCOMPARE(store.lastUrl(), u"ws://old:8080"_s);
    QVERIFY(!QSettings(store.settingsPath(), QSettings::IniFormat).contains(u"token"_s));
}

// No keychain: the operator is told, and nothing secret is written anywhere.
void tst_TokenStore::withoutAKeychain()
{
    if (qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS") != "disabled:"_L1)
        QSKIP("ctest runs this alone with DBUS_SESSION_BUS_ADDRESS=disabled: (see the file's comment)");
    QTemporaryDir dir;
    TokenStore store(dir.path());
    store.setService(m_service);
    ConsoleSettings settings(store, {}, {});
    QSignalSpy remembered(&settings, &ConsoleSettings::remembered);
    settings.remember(u"ws://127.0.0.1:8080"_s, Token);
    QVERIFY(remembered.wait(10000));
    QCOMPARE(remembered.first().at(1).toBool(), false);
    QVERIFY2(settings.keychainStatus().startsWith("The token was not saved"_L1), qPrintable(settings.keychainStatus()));
    QCOMPARE(settings.servers().size(), 1); // the server is saved, its token is not
    QVERIFY(!everythingWritten(dir.path()).contains(Token.toUtf8()));
    QString error;
    QCOMPARE(readBack(dir.path(), m_service, u"ws://127.0.0.1:8080"_s, &error), QString());
    QVERIFY(!error.isEmpty());
}

QTEST_GUILESS_MAIN(tst_TokenStore)
#include "tst_tokenstore.moc"
