// Tray icon artwork, one per guard state: the app's shield, with a mark saying the state.
const shield = (fill) =>
  `<path d="M16 3 6 7v7.3c0 6.3 4.2 11.4 10 13.2 5.8-1.8 10-6.9 10-13.2V7L16 3Z" fill="${fill}"/>`;
const wrap = (body) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">${body}</svg>`;

export const trayArtwork = {
  enforcing: wrap(
    `${shield('#2f6fdf')}<path d="m11 15.5 3.6 3.6 6.6-7" fill="none" stroke="#fff" stroke-width="2.8" stroke-linecap="round" stroke-linejoin="round"/>`,
  ),
  paused: wrap(
    `${shield('#c98a1a')}<rect x="11.6" y="10" width="3" height="10" rx="1.2" fill="#fff"/><rect x="17.4" y="10" width="3" height="10" rx="1.2" fill="#fff"/>`,
  ),
  locked: wrap(
    `${shield('#6a4fc7')}<rect x="11" y="14" width="10" height="8" rx="1.6" fill="#fff"/><path d="M13 14v-2.2a3 3 0 0 1 6 0V14" fill="none" stroke="#fff" stroke-width="2"/>`,
  ),
  unreachable: wrap(
    `${shield('#8a8f98')}<path d="m12 11 8 8m0-8-8 8" stroke="#fff" stroke-width="2.8" stroke-linecap="round"/>`,
  ),
};
