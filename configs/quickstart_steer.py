"""The quickstart with a decoder whose label sets the timing, so that the label steers the dance.

    python main.py configs/quickstart.py configs/quickstart_steer.py --run_name=steer

decoder = "keypose" (pirounet/systems/pirounet/model/keypose.py): z gives key poses and when
each transition happens, the label gives how long every transition takes. On the built-in
dancer, whose Time Effort is timing, one code decoded with each label is rated as the label
asked 0.62-0.72 of the time (0.36-0.38 with the LSTM decoder), and the judge-free ordering is
1.0; the conditional dances' "as asked" rate falls from 0.91-0.93 to 0.84-0.88, below its 0.9
target, so the plain quickstart keeps the LSTM (docs/label_steering.md has every figure).
It composes with configs/quickstart_bodies.py (measured: bones 6-7x real, label swap 0.60 /
0.73, but "as asked" 0.38 / 0.67); decoder_time_features (quickstart) and
decoder_initial_state (bodies) belong to the LSTM decoder and do nothing here.
"""
decoder = "keypose"
