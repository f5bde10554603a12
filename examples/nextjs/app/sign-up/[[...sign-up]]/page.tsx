import { SignUp } from '@clerk/nextjs';

export default function SignUpPage() {
  return (
    <main>
      <SignUp />
    </main>
  );
}
