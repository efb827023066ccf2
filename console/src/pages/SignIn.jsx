import { useState } from 'react';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import { signIn } from '../api.js';

export default function SignIn() {
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  const [region, setRegion] = useState('us-east-1');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn({ accessKeyId, secretAccessKey, region });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form onSubmit={submit} id="sign-in">
        <Form
          header={<Header variant="h1" description="liftshift's MGN API, signed with your access key as the CLI signs it">Sign in to the liftshift console</Header>}
          actions={
            <Button variant="primary" formAction="submit" loading={busy} id="sign-in-button">
              Sign in
            </Button>
          }
        >
          <Container>
            <SpaceBetween size="l">
              <FormField label="Access key ID" description="From liftshift admin create-access-key (or the quickstart's output)">
                <Input value={accessKeyId} onChange={(e) => setAccessKeyId(e.detail.value)} autoComplete="username" name="accessKeyId" spellcheck={false} />
              </FormField>
              <FormField label="Secret access key" description="Kept in this tab's memory only: a reload or sign-out forgets it">
                <Input value={secretAccessKey} type="password" onChange={(e) => setSecretAccessKey(e.detail.value)} autoComplete="current-password" name="secretAccessKey" />
              </FormField>
              <ExpandableSection headerText="Region">
                <FormField label="Region" description="The control plane's --region (us-east-1 unless it was started with another)">
                  <Input value={region} onChange={(e) => setRegion(e.detail.value)} name="region" />
                </FormField>
              </ExpandableSection>
              {error && (
                <Alert type="error" header={error.type} id="sign-in-error">
                  {error.message}
                </Alert>
              )}
              <Box variant="small">Access keys are checked by the control plane on every request (SigV4); the console stores nothing.</Box>
            </SpaceBetween>
          </Container>
        </Form>
      </form>
    </main>
  );
}
