import { Page } from '../components/page';

export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>
        There is no such console page, or it is not for your kind of administrator.{' '}
        <a href="/console/clients">Go to the clients</a>.
      </p>
    </Page>
  );
}
