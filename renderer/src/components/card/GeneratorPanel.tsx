/**
 * For a workspace without a README: the few things the engine cannot know and the user may set (system
 * prompt, recommended temperature, license, contact). The card is written again as they change.
 */
import { useId } from 'react';
import { HUB_LICENSES } from '../../../../shared/modelcard';
import { cardStore, regenerateFromScratch, setGeneratorOptions } from '../../state/card';

export function GeneratorPanel() {
  const generated = cardStore.use((s) => s.generated);
  const edited = cardStore.use((s) => s.edited);
  const id = useId();
  if (!generated) return null;
  const { options } = generated;
  const temperature = options.temperature.trim();
  const badTemperature = temperature !== '' && !(Number.isFinite(Number(temperature)) && Number(temperature) >= 0);
  return (
    <section className="card-generator" aria-labelledby={`${id}-title`}>
      <div className="card-generator__head">
        <h3 id={`${id}-title`} className="card-generator__title">
          Generated card
        </h3>
        <p className="muted card-generator__note">
          There is no README in the workspace, so the card is written from the config, the scores and the training log.
          {generated.todo.length > 0 && ` ${generated.todo.length} thing${generated.todo.length === 1 ? ' is' : 's are'} left for you to write (marked TODO).`}
          {generated.skipped > 0 && ` ${generated.skipped} part${generated.skipped === 1 ? ' was' : 's were'} not updated because you rewrote ${generated.skipped === 1 ? 'it' : 'them'}.`}
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
      <div className="card-generator__fields">
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
        <div className="card-generator__field">
          <label htmlFor={`${id}-license`}>License</label>
          <input
            id={`${id}-license`}
            className="card-input"
            list={`${id}-licenses`}
            value={options.license}
            placeholder="e.g. apache-2.0"
            onChange={(e) => setGeneratorOptions({ license: e.target.value })}
          />
          <datalist id={`${id}-licenses`}>
            {HUB_LICENSES.map((l) => (
              <option key={l} value={l} />
            ))}
          </datalist>
        </div>
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
