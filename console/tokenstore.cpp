#include "tokenstore.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QSettings>

#include <openssl/evp.h>

using namespace Qt::StringLiterals;

namespace {

constexpr int KeySize = 32, NonceSize = 12, TagSize = 16;

QByteArray seal(const QByteArray &key, const QByteArray &plain)
{
    QByteArray nonce(NonceSize, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(nonce.data()), NonceSize / 4);
    QByteArray out(plain.size(), Qt::Uninitialized), tag(TagSize, Qt::Uninitialized);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int length = 0, total = 0;
    const bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr,
                                       reinterpret_cast<const unsigned char *>(key.constData()),
                                       reinterpret_cast<const unsigned char *>(nonce.constData()))
            && EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char *>(out.data()), &length,
                                 reinterpret_cast<const unsigned char *>(plain.constData()), int(plain.size()))
            && (total = length, EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char *>(out.data()) + total, &length))
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TagSize, tag.data());
    EVP_CIPHER_CTX_free(ctx);
    return ok ? nonce + tag + out : QByteArray();
}

QByteArray open(const QByteArray &key, const QByteArray &sealed)
{
    if (sealed.size() < NonceSize + TagSize)
        return {};
    const QByteArray nonce = sealed.first(NonceSize), tag = sealed.sliced(NonceSize, TagSize),
                     cipher = sealed.sliced(NonceSize + TagSize);
    QByteArray out(cipher.size(), Qt::Uninitialized);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int length = 0;
    const bool ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr,
                                       reinterpret_cast<const unsigned char *>(key.constData()),
                                       reinterpret_cast<const unsigned char *>(nonce.constData()))
            && EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char *>(out.data()), &length,
                                 reinterpret_cast<const unsigned char *>(cipher.constData()), int(cipher.size()))
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TagSize, const_cast<char *>(tag.constData()))
            && EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char *>(out.data()) + length, &length);
    EVP_CIPHER_CTX_free(ctx);
    return ok ? out : QByteArray();
}

} // namespace

TokenStore::TokenStore(QString directory) : m_directory(std::move(directory)) { }

QString TokenStore::settingsPath() const
{
    return QDir(m_directory).filePath(u"console.ini"_s);
}

QByteArray TokenStore::key(bool create) const
{
    QFile file(QDir(m_directory).filePath(u"console.key"_s));
    if (file.open(QIODevice::ReadOnly)) {
        const QByteArray key = file.readAll();
        if (key.size() == KeySize)
            return key;
    }
    if (!create || !QDir().mkpath(m_directory))
        return {};
    QByteArray key(KeySize, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(key.data()), KeySize / 4);
    file.close();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || !file.setPermissions(QFile::ReadOwner | QFile::WriteOwner) || file.write(key) != KeySize)
        return {};
    return key;
}

void TokenStore::save(const QString &url, const QString &token)
{
    QSettings settings(settingsPath(), QSettings::IniFormat);
    settings.setValue(u"url"_s, url);
    const QByteArray sealed = token.isEmpty() ? QByteArray() : seal(key(true), token.toUtf8());
    settings.setValue(u"token"_s, QString::fromLatin1(sealed.toBase64()));
}

QString TokenStore::url() const
{
    return QSettings(settingsPath(), QSettings::IniFormat).value(u"url"_s).toString();
}

QString TokenStore::token() const
{
    const QByteArray sealed = QByteArray::fromBase64(
            QSettings(settingsPath(), QSettings::IniFormat).value(u"token"_s).toString().toLatin1());
    const QByteArray key = this->key(false);
    return sealed.isEmpty() || key.isEmpty() ? QString() : QString::fromUtf8(open(key, sealed));
}
