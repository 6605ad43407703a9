"""The quickstart with a decoder whose label sets the timing, so that the label steers the dance.

    python main.py configs/quickstart.py configs/quickstart_steer.py --run_name=steer

decoder = "keypose" (pirounet/systems/pirounet/model/keypose.py): z gives key poses and when
each transition happens, the label gives how long every transition takes. On the built-in
dancer, whose Time Effort is timing, one code decoded with each label is rated as the label
asked 0.73 / 0.76 of the time on seeds 0 / 1 (0.36-0.38 with the LSTM decoder), and the
judge-free ordering is 1.0; the conditional dances are rated as asked 0.89 / 0.98 (LSTM: 0.93 /
0.91), but bones stretch 67-73x real and the first frames rush (2.2-3.7x), so the plain
quickstart keeps the LSTM (docs/label_steering.md has every figure). With
--pose_output=fixed_bones the bones hold (0.000 of real's variation), "as asked" reaches 0.98-0.99
and the label swap falls to 0.48 / 0.49. decoder_time_features (quickstart) and
decoder_initial_state (configs/quickstart_bodies.py) belong to the LSTM decoder and do nothing
here.
"""
decoder = "keypose"
