/**
 * The part of the page's DOM that code passed to `page.evaluate` uses. Specs compile with Node's types
 * only: the full DOM lib would also apply to the services they import, whose Node Blobs and streams clash
 * with the DOM's. So the page side is declared here, small and honest.
 */
interface HTMLElement {
  click(): void;
  getAttribute(name: string): string | null;
  dispatchEvent(event: unknown): boolean;
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
}

declare const document: {
  querySelector<E = HTMLElement>(selector: string): E | null;
  querySelectorAll<E = HTMLElement>(selector: string): ArrayLike<E> & Iterable<E>;
  execCommand(command: string, showUi: boolean, value: string): boolean;
  readonly body: HTMLElement;
};

declare const window: {
  scrollTo(x: number, y: number): void;
  open(url: string): unknown;
};

declare class DataTransfer {
  readonly items: { add(file: File): unknown };
}

declare class DragEvent {
  constructor(type: string, init: { bubbles?: boolean; cancelable?: boolean; dataTransfer?: DataTransfer });
}

declare function requestAnimationFrame(callback: (time: number) => void): number;

declare function getComputedStyle(element: unknown): { readonly textDecorationLine: string };

/** Watching the page change (the Overall bar's values, as they are rendered). */
declare class MutationObserver {
  constructor(callback: () => void);
  observe(
    target: HTMLElement,
    options: { subtree?: boolean; childList?: boolean; attributes?: boolean; characterData?: boolean },
  ): void;
}

declare const navigator: { readonly clipboard: { readText(): Promise<string> } };
