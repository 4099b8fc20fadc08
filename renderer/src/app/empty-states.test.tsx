// @vitest-environment happy-dom
// What the Mismatched images and Status views say when there is nothing to list, for an empty, a
// broken and a seeded daemon: the true reason each time.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DemoScenario } from '../../../test/fixtures/demo-engine.js';
import { demoPaneClient } from '../../../test/fixtures/pane-client.js';
import { App } from './App.js';
import { ContractProvider } from './contract-context.js';

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

function open(view: 'images' | 'status', scenario: DemoScenario) {
  window.location.hash = view;
  const { client } = demoPaneClient({ scenario });
  render(
    <ContractProvider client={client} connected>
      <App />
    </ContractProvider>,
  );
}

describe('Mismatched images, when the list is empty', () => {
  it.each<[DemoScenario, RegExp]>([
    ['empty', /No image is allowed to mount the socket/],
    ['broken', /Docker Engine is unreachable/],
  ])('%s daemon', async (scenario, text) => {
    open('images', scenario);
    expect((await screen.findByText(text)).textContent).not.toMatch(/Every/);
    expect(screen.queryByText(/Every local copy/)).toBeNull();
  });

  it('lists the mismatched images when there are some', async () => {
    open('images', 'seeded');
    expect(
      await screen.findByRole('button', { name: 'Re-pull docker.io/testcontainers/ryuk:0.11.0' }),
    ).toBeTruthy();
  });
});

describe('Status: the next run of the digest refresher', () => {
  it.each<[DemoScenario, RegExp]>([
    ['empty', /^none: no allowed images to check$/],
    ['seeded', /^in \d+ min$/],
    ['busy', /^running now$/],
  ])('%s daemon', async (scenario, text) => {
    open('status', scenario);
    const label = await screen.findByText('Next run');
    expect(label.nextElementSibling?.textContent).toMatch(text);
  });
});
