import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../app.ts';
import { AUDIT_KEYS, createAuditTestBed } from './test-setup.ts';
import type { AuditTestBed } from './test-setup.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

describe('the auditor web page in a real headless Chromium', () => {
  let bed: AuditTestBed;
  let app: App;
  let browser: BrowserContext | undefined;
  let page: Page;
  let profile: string;
  let base: string;

  beforeAll(async () => {
    bed = await createAuditTestBed('audit_page', 3);
    app = await bed.app();
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    profile = mkdtempSync(join(tmpdir(), 'audit-chromium-'));
    // A new empty profile (--user-data-dir), which playwright takes as the persistent context's directory.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
    });
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
    await bed.close();
  });

  it('browses categories and streams, shows a timeline with metadata, runs verification', async () => {
    await page.goto(`${base}/audit/`);
    await page.fill('#key', AUDIT_KEYS.auditor);
    await page.click('#connect');
    await page.click('button[data-category="listing"]');
    await page.click('button[data-stream="listing-l1"]');

    const events = page.locator('#timeline li.event');
    await expect.poll(() => events.count()).toBe(3);
    expect(await page.locator('#timeline .type').allTextContents()).toEqual([
      'ListingCreated',
      'ListingPublished',
      'ListingPriceChanged',
    ]);
    const second = await events.nth(1).textContent();
    expect(second).toContain('revision 1');
    expect(second).toContain('cmd-l1-1');
    expect(second).toContain('corr-l1');
    expect(second).toContain('cmd-l1-0');

    await events.nth(1).getByRole('button', { name: 'State as of this revision' }).click();
    await expect.poll(() => page.locator('#state-title').textContent()).toContain('as of revision 1');
    expect(JSON.parse((await page.locator('#state-json').textContent()) ?? 'null')).toMatchObject({
      status: 'active',
      price: { amount: 12_000, currency: 'EUR' },
    });

    await page.click('#verify');
    await expect
      .poll(() => page.locator('#verification-result .ok').textContent())
      .toBe('Hash chains: clean');

    await bed.db.pool.query(
      `update "${bed.db.schema}".events set metadata = jsonb_set(metadata::jsonb, '{actor}', '"mallory"') where stream_id = 'listing-l2' and stream_revision = 1`,
    );
    await page.click('#verify');
    await expect
      .poll(() => page.locator('#verification-result .bad').textContent())
      .toBe('Hash chains: FAILED');
    expect(await page.locator('#findings td').allTextContents()).toEqual(
      expect.arrayContaining(['listing-l2', '1', 'hash-mismatch']),
    );

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'audit-page.png'), fullPage: true });
  });

  it('shows the refusal when the key is not an auditor key', async () => {
    await page.goto(`${base}/audit/`);
    await page.evaluate(() => {
      sessionStorage.clear();
    });
    await page.fill('#key', AUDIT_KEYS.reader);
    await page.click('#connect');
    await expect.poll(() => page.locator('#error').textContent()).toContain('forbidden');
  });
});
