// The demo page (/demo) in a real headless Chromium (Debian's chromium, driven by puppeteer-core):
// two users chat and see each other; the server restarts while the first page is offline and the
// second keeps sending; the first page then shows every message it missed, in order, once.
// A screenshot lands in <build>/screenshots/demo.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

import { ServerProcess, token } from './server.mjs';

const chromium = process.env.CORTADO_CHROMIUM || '/usr/bin/chromium';
const screenshots = process.env.CORTADO_SCREENSHOT_DIR;

let server, browser;
const pageErrors = [];
before(async () => {
    server = await new ServerProcess().start();
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await puppeteer.launch({ executablePath: chromium, headless: true,
                                       args: ['--no-sandbox', '--disable-gpu', '--window-size=1000,700'] });
});
after(async () => {
    await browser?.close();
    await server?.dispose();
});

// Pages in background tabs get no animation frames: wait on DOM mutations instead of rAF polling.
const until = (page, fn, ...args) => page.waitForFunction(fn, { polling: 'mutation', timeout: 30000 }, ...args);

async function openDemo(user) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1000, height: 700 });
    page.on('pageerror', (error) => pageErrors.push(`${user}: ${error.message}`));
    await page.goto(`${server.url}/demo#token=${token(user)}&room=demo`);
    await until(page, () => document.getElementById('status').dataset.state === 'open');
    return page;
}

const users = (page) => page.$$eval('#users li', (items) => items.map((li) => li.dataset.user).sort());
const messages = (page) => page.$$eval('#messages li[data-offset]', (items) =>
    items.map((li) => [Number(li.dataset.offset), li.querySelector('.text').textContent]));

async function say(page, text) {
    await page.type('#text', text);
    await page.keyboard.press('Enter');
}

// Waits until `page` lists a message with this text (the sender's own copy comes back from the room).
function shows(page, text) {
    return until(page, (t) => [...document.querySelectorAll('#messages .text')].some((s) => s.textContent === t), text);
}

test('two pages chat, see each other, and the one that was away gets every missed message once', async () => {
    const alice = await openDemo('alice');
    const bob = await openDemo('bob');
    await until(alice, () => document.querySelectorAll('#users li').length === 2);
    assert.deepEqual(await users(alice), ['alice', 'bob']);
    await until(bob, () => document.querySelectorAll('#users li').length === 2);
    assert.deepEqual(await users(bob), ['alice', 'bob']);

    await say(alice, 'hello from alice');
    await shows(bob, 'hello from alice');
    await say(bob, 'hi alice');
    await shows(alice, 'hi alice');

    // The board: a note added on one page appears on the other.
    await alice.type('#note', 'bring cake');
    await alice.keyboard.press('Enter');
    await until(bob, () => document.getElementById('cards').textContent.includes('bring cake'));

    // Alice goes offline, the server restarts (same port, same data), bob keeps sending.
    await alice.setOfflineMode(true);
    await server.restart();
    await until(bob, () => document.getElementById('status').textContent === 'open (reconnected)');
    const missed = ['while you were away 1', 'while you were away 2', 'while you were away 3'];
    for (const text of missed) {
        await say(bob, text);
        await shows(bob, text);
    }
    // Alice really was away: she did not reconnect meanwhile, so what follows is recovery.
    assert.notEqual(await alice.$eval('#status', (s) => s.dataset.state), 'open');

    await alice.setOfflineMode(false);
    await until(alice, () => document.getElementById('status').textContent === 'open (reconnected)');
    await say(bob, 'welcome back');
    await shows(alice, 'welcome back');

    const seenByAlice = await messages(alice);
    const seenByBob = await messages(bob);
    assert.deepEqual(seenByAlice.map(([, text]) => text),
                     ['hello from alice', 'hi alice', ...missed, 'welcome back']);
    assert.deepEqual(seenByAlice, seenByBob, 'the same messages with the same offsets, in order, once');
    const offsets = seenByAlice.map(([offset]) => offset);
    assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
    assert.equal(new Set(offsets).size, offsets.length);
    // After the restart the board came back from storage, and presence shows both again.
    await until(alice, () => document.querySelectorAll('#users li').length === 2);
    assert.ok((await alice.$eval('#cards', (c) => c.textContent)).includes('bring cake'));

    assert.deepEqual(pageErrors, []);
    if (screenshots) {
        mkdirSync(screenshots, { recursive: true });
        await alice.screenshot({ path: join(screenshots, 'demo.png') });
    }
});
