// Drives one hiredis async context from the Qt event loop of the thread that attaches it.
//
// Our own instead of hiredis' adapters/qt.h (docs/architecture.md, design finding 1): that one
// needs moc on a system header, re-creates a QSocketNotifier whenever hiredis toggles write
// interest, and writes into the freed context in its destructor (ASan: heap-use-after-free after a
// disconnect). Here two notifiers are made once and toggled with setEnabled(); when hiredis frees
// the context it calls cleanup(), which forgets the context and deletes the adapter — later if
// cleanup runs inside one of the adapter's own notifier slots, at once otherwise.
#pragma once

#include <QObject>
#include <QSocketNotifier>

#include <async.h>

namespace cortado::cluster {

class RedisAdapter : public QObject
{
public:
    // Hooks `context` (connecting, its fd already open) into this thread's event loop. hiredis owns
    // the adapter from here on: it goes when the context is freed.
    static void attach(redisAsyncContext *context) { new RedisAdapter(context); }

private:
    explicit RedisAdapter(redisAsyncContext *context)
        : m_context(context),
          m_read(context->c.fd, QSocketNotifier::Read, this),
          m_write(context->c.fd, QSocketNotifier::Write, this)
    {
        m_read.setEnabled(false);
        m_write.setEnabled(false);
        connect(&m_read, &QSocketNotifier::activated, this, [this] {
            if (m_context)
                handle(redisAsyncHandleRead);
        });
        connect(&m_write, &QSocketNotifier::activated, this, [this] {
            if (m_context)
                handle(redisAsyncHandleWrite);
        });
        context->ev.data = this;
        context->ev.addRead = [](void *self) { static_cast<RedisAdapter *>(self)->m_read.setEnabled(true); };
        context->ev.delRead = [](void *self) { static_cast<RedisAdapter *>(self)->m_read.setEnabled(false); };
        context->ev.addWrite = [](void *self) { static_cast<RedisAdapter *>(self)->m_write.setEnabled(true); };
        context->ev.delWrite = [](void *self) { static_cast<RedisAdapter *>(self)->m_write.setEnabled(false); };
        context->ev.cleanup = &RedisAdapter::cleanup;
    }

    void handle(void (*process)(redisAsyncContext *))
    {
        m_inSlot = true;
        process(m_context); // may free the context: cleanup() then nulls m_context
        m_inSlot = false;
        if (m_orphaned)
            deleteLater(); // not `delete this` inside the notifier's own activated()
    }

    static void cleanup(void *data)
    {
        auto *self = static_cast<RedisAdapter *>(data);
        self->m_context = nullptr; // hiredis frees it right after this returns
        self->m_read.setEnabled(false);
        self->m_write.setEnabled(false);
        if (self->m_inSlot)
            self->m_orphaned = true;
        else
            delete self;
    }

    redisAsyncContext *m_context;
    QSocketNotifier m_read;
    QSocketNotifier m_write;
    bool m_inSlot = false;
    bool m_orphaned = false;
};

} // namespace cortado::cluster
