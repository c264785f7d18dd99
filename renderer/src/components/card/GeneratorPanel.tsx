/**
 * For a workspace without a README: the few things the engine cannot know and the user may set (system
 * prompt and recommended temperature for a text generator, license, contact). The card is written again as
 * they change.
 */
import { useId, useMemo, useState } from 'react';
import { HUB_LICENSES, modelTask } from '../../../../shared/modelcard';
import { cardStore, regenerateFromScratch, setGeneratorOptions } from '../../state/card';

export function GeneratorPanel() {
  const generated = cardStore.use((s) => s.generated);
  const edited = cardStore.use((s) => s.edited);
  const config = cardStore.use((s) => s.context?.config ?? null);
  const id = useId();
  if (!generated) return null;
  // Only a text generator has a system prompt and a sampling temperature to document.
  const chat = modelTask(config).task === 'text-generation';
  const { options } = generated;
  const temperature = options.temperature.trim();
  const badTemperature =
    temperature !== '' && !(Number.isFinite(Number(temperature)) && Number(temperature) >= 0);
  return (
    <section className="card-generator" aria-labelledby={`${id}-title`}>
      <div className="card-generator__head">
        <h3 id={`${id}-title`} className="card-generator__title">
          Generated card
        </h3>
        <p className="muted card-generator__note">
          There is no README in the workspace, so the card is written from the config, the scores and the
          training log.
          {generated.todo.length > 0 &&
            ` ${generated.todo.length} thing${generated.todo.length === 1 ? ' is' : 's are'} left for you to write (marked TODO).`}
          {generated.skipped > 0 &&
            ` ${generated.skipped} part${generated.skipped === 1 ? ' was' : 's were'} not updated because you rewrote ${generated.skipped === 1 ? 'it' : 'them'}.`}
        </p>
        {edited && (
          <button
            type="button"
            className="button"
            onClick={() => {
              if (window.confirm('Discard your edits and write the card again?')) regenerateFromScratch();
            }}
          >
            Write it again
          </button>
        )}
      </div>
      <div className={`card-generator__fields${chat ? '' : ' card-generator__fields--no-chat'}`}>
        {chat && (
          <div className="card-generator__field card-generator__field--wide">
            <label htmlFor={`${id}-prompt`}>System prompt</label>
            <textarea
              id={`${id}-prompt`}
              className="card-input card-generator__prompt"
              rows={2}
              value={options.systemPrompt}
              placeholder="The system prompt the model was trained or tested with"
              onChange={(e) => setGeneratorOptions({ systemPrompt: e.target.value })}
            />
          </div>
        )}
        {chat && (
          <div className="card-generator__field">
            <label htmlFor={`${id}-temperature`}>Recommended temperature</label>
            <input
              id={`${id}-temperature`}
              className="card-input"
              inputMode="decimal"
              value={options.temperature}
              placeholder="e.g. 0.7"
              aria-invalid={badTemperature}
              aria-describedby={badTemperature ? `${id}-temperature-error` : undefined}
              onChange={(e) => setGeneratorOptions({ temperature: e.target.value })}
            />
            {badTemperature && (
              <span id={`${id}-temperature-error`} className="card-generator__error">
                A number of 0 or more.
              </span>
            )}
          </div>
        )}
        <LicenseField
          license={options.license}
          licenseName={options.licenseName ?? ''}
          licenseLink={options.licenseLink ?? ''}
        />
        <div className="card-generator__field">
          <label htmlFor={`${id}-contact`}>Contact</label>
          <input
            id={`${id}-contact`}
            className="card-input"
            value={options.contact}
            placeholder="E-mail, website or Hub handle"
            onChange={(e) => setGeneratorOptions({ contact: e.target.value })}
          />
        </div>
      </div>
    </section>
  );
}

/**
 * The license, from the Hub's list of identifiers only (hub-docs repositories-licenses): a search box that
 * narrows a select. `other` asks for the Hub's `license_name` and `license_link`.
 */
function LicenseField({
  license,
  licenseName,
  licenseLink,
}: {
  license: string;
  licenseName: string;
  licenseLink: string;
}) {
  const id = useId();
  const [query, setQuery] = useState('');
  const { found, matching } = useMemo(() => {
    const q = query.trim().toLowerCase();
    const hits = q ? HUB_LICENSES.filter((l) => l.includes(q)) : HUB_LICENSES;
    // The chosen one stays listed, so the select never shows a value it does not have.
    return { found: hits, matching: license && !hits.includes(license) ? [license, ...hits] : hits };
  }, [query, license]);
  return (
    <div className="card-generator__field card-license">
      <label htmlFor={`${id}-license`}>License</label>
      <input
        type="search"
        className="card-input card-license__search"
        aria-label="Search licenses"
        placeholder="Search, e.g. apache"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          // Enter takes the first match, so the keyboard alone chooses a license.
          if (e.key === 'Enter' && found.length >= 1) setGeneratorOptions({ license: found[0]! });
        }}
      />
      <select
        id={`${id}-license`}
        className="card-select"
        value={license}
        onChange={(e) => setGeneratorOptions({ license: e.target.value })}
      >
        <option value="">Not chosen yet</option>
        {matching.map((l) => (
          <option key={l} value={l}>
            {l}
          </option>
        ))}
      </select>
      {query.trim() !== '' && found.length === 0 && (
        <span className="card-generator__error">
          No Hub license id contains “{query.trim()}”. Choose “other” for a license outside the list.
        </span>
      )}
      {license === 'other' && (
        <>
          <label htmlFor={`${id}-license-name`}>License name</label>
          <input
            id={`${id}-license-name`}
            className="card-input"
            value={licenseName}
            placeholder="e.g. acme-research-license"
            onChange={(e) => setGeneratorOptions({ licenseName: e.target.value })}
          />
          <label htmlFor={`${id}-license-link`}>License link</label>
          <input
            id={`${id}-license-link`}
            className="card-input"
            value={licenseLink}
            placeholder="LICENSE.md or https://…"
            onChange={(e) => setGeneratorOptions({ licenseLink: e.target.value })}
          />
        </>
      )}
    </div>
  );
}
